/*
 * The library's module: one exported package, io.github.softmaxcl, holds the whole public API
 * (engine, tensors, ops, element types, exceptions). Everything else (OpenCL owners, kernels and
 * planner, the execution pipeline, the CPU reference, whole-or-nothing files) is internal; the
 * command line (module softmax-cl-cli) runs on the class path beside it.
 */
module io.github.softmaxcl {
    requires jocl;
    requires org.slf4j;

    exports io.github.softmaxcl;
}
