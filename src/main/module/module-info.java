/*
 * The library's module: one exported package, io.github.softmaxcl, holds the whole public API
 * (engine, tensors, ops, element types, exceptions). Everything else (OpenCL owners, kernels and
 * planner, the execution pipeline, the CPU reference, .npy I/O, and the command line with verify,
 * bench and tune) is internal. The command-line classes ship in this jar for now; picocli,
 * Logback and Jackson are needed only by them, hence `requires static`.
 */
module io.github.softmaxcl {
    requires jocl;
    requires org.slf4j;
    requires static info.picocli;
    requires static ch.qos.logback.classic;
    requires static ch.qos.logback.core;
    requires static com.fasterxml.jackson.databind;

    exports io.github.softmaxcl;

    // picocli builds the commands by reflection; Jackson writes the report records.
    opens io.github.softmaxcl.cli to info.picocli;
    opens io.github.softmaxcl.bench to com.fasterxml.jackson.databind;
    opens io.github.softmaxcl.verify to com.fasterxml.jackson.databind;
}
