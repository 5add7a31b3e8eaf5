/*
 * `softmax run IN.npy -o OUT.npy`: softmax (or log-softmax, with a temperature, a mask, along any
 * axis) of a float16, float32 or float64 .npy array of any rank and any size. The file is streamed in
 * chunks of whole rows (or, for another axis, whole outer slices) through two input and two output
 * buffers (see StreamingSoftmax), so a file larger than memory runs with a small heap. Every
 * check on OUT.npy is made before any work, and the output goes to a temporary file beside it (an
 * OutputFile) that is renamed into place only after the last row is written: a failure, SIGTERM or
 * Ctrl-C never leaves a partial OUT.npy or a temporary file, and IN.npy is only ever read. With
 * `--device all` or a list, each chunk is split over the devices (a Target holding a device group).
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.npy.NpyHeader;
import io.github.softmaxcl.npy.NpyReader;
import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.files.OutputFile;
import io.github.softmaxcl.verify.FileSample;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Softmax of a .npy file into another. */
@Command(name = "run", description = {"Softmax along an axis (default the last) of a float16/float32/float64 .npy",
    "array of any rank. The output has the input's shape and dtype and appears only when complete."})
final class RunCommand implements Callable<Integer> {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);
    /** Bytes per chunk buffer unless --chunk-rows says otherwise; four such buffers are in flight. */
    static final long DEFAULT_CHUNK_BYTES = 64L << 20;

    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Parameters(index = "0", paramLabel = "IN.npy", description = "Input logits (float16, float32 or float64).")
    Path input;

    @Option(names = "--log", description = "Log-softmax: x - max - log(sum exp(x - max)), computed directly.")
    boolean log;

    @Option(names = {"-t", "--temperature"}, paramLabel = "T", description = "softmax(x / T); T finite and > 0 (default 1).")
    double temperature = 1.0;

    @Option(names = "--axis", paramLabel = "K", description = "Softmax axis; negative counts from the end (default -1).")
    int axis = -1;

    @Option(names = "--mask", paramLabel = "MASK.npy", description = {"NumPy bool array, True = keep: the input's shape,",
        "or (last axis) one row of its length, broadcast over all rows. Masked entries give 0 (-inf for --log)."})
    Path maskFile;

    @Option(names = "--masked-rows", paramLabel = "nan|zero",
            description = "Rows with every entry masked (or -inf): NaN (default) or zeros (-inf for --log).")
    io.github.softmaxcl.MaskedRows maskedRows = io.github.softmaxcl.MaskedRows.NAN;

    @Option(names = {"-o", "--output"}, required = true, paramLabel = "OUT.npy",
            description = "Output file; replaced atomically, must not be the input.")
    Path output;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC|LIST",
            description = {"Device: gpu, cpu, accelerator, P:D or part of a name; or 'all' or a list",
                "(0:0,0:1) to split the rows over several devices in proportion to their speed."})
    String device;

    @Option(names = "--chunk-rows", paramLabel = "N",
            description = {"Rows per chunk (default: 64 MiB per buffer, within the device's max allocation).",
                "Rounded to a multiple of the kernel's row group (16 for short rows on CPUs) so that",
                "results do not depend on the chunk size."})
    Long chunkRows;

    @Option(names = {"-q", "--quiet"}, description = "No progress bar, no summary line, and only warnings and errors"
            + " on stderr.")
    boolean quiet;

    @Override
    public Integer call() throws IOException {
        try (Main.LogLevel logs = quiet ? Main.LogLevel.warningsOnly() : Main.LogLevel.unchanged()) {
            validate();
            try (OutputFile out = openOutput()) {
                return run(out);
            }
        }
    }

    /**
     * Checks OUT.npy and creates its temporary file before any work, so that an output that cannot
     * be written is refused in a moment, not after the whole computation.
     */
    private OutputFile openOutput() throws IOException {
        try {
            return OutputFile.create(output);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), e.getMessage(), e);
        }
    }

    private Integer run(OutputFile outputFile) throws IOException {
        io.github.softmaxcl.SoftmaxOp op = (log ? io.github.softmaxcl.SoftmaxOp.logSoftmax()
                : io.github.softmaxcl.SoftmaxOp.softmax()).withTemperature(temperature).withMaskedRows(maskedRows);
        PrintWriter err = spec.commandLine().getErr();
        long t0 = System.nanoTime();
        try (NpyReader reader = NpyReader.open(input)) {
            NpyHeader h = reader.header();
            long[] shape = h.shape().length == 0 ? new long[] {1} : h.shape();
            int rank = shape.length;
            int a = axis < 0 ? axis + rank : axis;
            if (a < 0 || a >= rank) {
                throw new ParameterException(spec.commandLine(), "--axis " + axis + " is out of range for a " + rank
                        + "-d array (use -" + rank + " to " + (rank - 1) + ")");
            }
            long outer = 1;
            long inner = 1;
            for (int i = 0; i < rank; i++) {
                if (i < a) {
                    outer *= shape[i];
                } else if (i > a) {
                    inner *= shape[i];
                }
            }
            long k = shape[a];
            // Units streamed: rows along the last axis, whole outer slices for another axis.
            long units = outer;
            long unitElems = k * inner;
            int itemBytes = h.dtype().itemSize();
            if (h.dtype() == io.github.softmaxcl.npy.NpyDType.BOOL) {
                throw new CommandFailedException(input + ": bool arrays are masks, not logits");
            }
            String where = "";
            try (NpyWriter writer = NpyWriter.create(outputFile, h.dtype(), h.shape());
                    MaskSource mask = MaskSource.open(maskFile, shape, a, spec)) {
                if (h.elementCount() > 0) {
                    try (Target target = Target.open(main.engines, device)) {
                        where = " on " + target.describe();
                        ElementType type = h.dtype().elementType();
                        long per = chunkRows(target, units, unitElems, itemBytes, type, inner == 1);
                        LOG.debug("{} units of {} elements {}, {} per chunk", units, unitElems, h.dtype(), per);
                        Progress progress = new Progress(err, !quiet && System.console() != null, units,
                                unitElems * itemBytes);
                        StreamingSoftmax.ChunkSource source = main.sourceFilter.apply(reader::readElements);
                        StreamingSoftmax.ChunkSink sink = main.sinkFilter.apply(writer::write);
                        StreamingSoftmax.ChunkCompute chunks = new FamilyChunks(target::forward, type, k, inner, op,
                                mask);
                        long[] done = {0};
                        try {
                            StreamingSoftmax.run(source, sink, unitElems, itemBytes, units, per, chunks, n -> {
                                done[0] = n;
                                progress.update(n);
                            });
                        } catch (OutOfMemoryError e) {
                            throw new CommandFailedException("four chunk buffers of " + per + " rows ("
                                    + per * unitElems * itemBytes + " bytes each) do not fit in the JVM's direct"
                                    + " memory; use a smaller --chunk-rows or raise -XX:MaxDirectMemorySize", e);
                        } finally {
                            progress.finish(done[0]);
                        }
                    }
                }
                writer.commit();
            }
            if (!quiet) {
                double secs = (System.nanoTime() - t0) / 1e9;
                PrintWriter out = spec.commandLine().getOut();
                out.printf(Locale.ROOT, "wrote %s: shape %s %s, %d rows in %.2f s (%.2f GB/s)%s%n", output,
                        h.shapeString(), h.dtype(), units, secs, h.dataBytes() / secs / 1e9, where);
                out.flush();
            }
        }
        return 0;
    }

    private void validate() throws IOException {
        if (!Files.isRegularFile(input)) {
            throw new ParameterException(spec.commandLine(), Files.exists(input)
                    ? "input is not a regular file: " + input : "input file not found: " + input);
        }
        Path in = input.toRealPath();
        Path out = output.toAbsolutePath().normalize();
        if (in.equals(out) || (Files.exists(output) && Files.isSameFile(input, output))) {
            throw new ParameterException(spec.commandLine(), "-o must not name the input file (" + input
                    + "): the input is never modified");
        }
        if (chunkRows != null && chunkRows < 1) {
            throw new ParameterException(spec.commandLine(), "--chunk-rows must be >= 1, got " + chunkRows);
        }
    }

    /**
     * Rows per chunk: --chunk-rows, else what fits in the default buffer budget; never more than the
     * engine's largest buffer or a Java buffer's 2 GiB allows. One row is the minimum: a row that
     * alone exceeds the limit cannot run, and the message says what the limit is.
     */
    private long chunkRows(Target target, long rows, long cols, int itemBytes, ElementType precision,
            boolean lastAxis) {
        long rowBytes = Math.multiplyExact(cols, (long) itemBytes);
        long limit = Math.min(target.maxChunkBytes(), Integer.MAX_VALUE - 64);
        if (rowBytes > limit) {
            throw new CommandFailedException("one " + (lastAxis ? "row" : "slice along the axis") + " of " + cols + " "
                    + precision.label()
                    + " elements is " + rowBytes + " bytes, more than the largest chunk buffer on "
                    + target.names() + " (" + limit + " bytes: the device's max allocation, a quarter of"
                    + " its memory, and 2 GiB per Java buffer); rows of at most " + limit / itemBytes
                    + " elements can run");
        }
        long maxRows = limit / rowBytes;
        long per;
        if (chunkRows != null) {
            per = chunkRows;
            if (per > maxRows) {
                LOG.warn("--chunk-rows {} exceeds the device buffer limit; using {} rows per chunk", per, maxRows);
                per = maxRows;
            }
        } else {
            long budget = Math.min(DEFAULT_CHUNK_BYTES, Runtime.getRuntime().maxMemory() / 8);
            per = Math.max(1, Math.min(maxRows, budget / rowBytes));
        }
        // Chunks aligned to the kernel's row group give the same bits as an in-memory run.
        long group = lastAxis ? target.rowGroup(cols, precision) : 1;
        if (per % group != 0) {
            long aligned = (per + group - 1) / group * group;
            per = aligned <= maxRows ? aligned : Math.max(group, per / group * group);
            if (chunkRows != null) {
                LOG.info("--chunk-rows {} rounded to {}: a multiple of {} rows keeps results independent of "
                        + "the chunk size", chunkRows, per, group);
            }
        }
        return Math.min(per, rows);
    }
}
