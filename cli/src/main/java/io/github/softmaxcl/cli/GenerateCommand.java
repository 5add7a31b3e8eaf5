/*
 * `softmax generate OUT.npy --shape 1048576x1024`: writes seeded test logits of any size, block by
 * block, so a file larger than memory (the `run` benchmark's 4 GiB input) can be made with a small
 * heap. The content depends only on pattern, shape and seed, so a run can be reproduced anywhere.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.npy.NpyDType;
import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.reference.Inputs;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Writes generated logits to a .npy file. */
@Command(name = "generate", description = "Write seeded test logits to a .npy file, streaming (any size).")
final class GenerateCommand implements Callable<Integer> {
    /** Elements generated per block: bounds the heap used whatever the file size. */
    static final int BLOCK_ELEMENTS = 1 << 20;

    /** Output element types. */
    enum DType { float32, float64 }

    @Spec
    CommandSpec spec;

    @Parameters(index = "0", paramLabel = "OUT.npy", description = "File to write (atomically).")
    Path output;

    @Option(names = "--shape", required = true, paramLabel = "AxBx...",
            description = "Array shape, e.g. 1048576x1024 or 8x128x512; the last axis is the softmax axis.")
    String shape;

    @Option(names = "--pattern", defaultValue = "random", paramLabel = "PATTERN",
            description = "One of ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).")
    Inputs.Pattern pattern;

    @Option(names = "--seed", defaultValue = "1", description = "Random seed (default: ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--dtype", defaultValue = "float32", description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    DType dtype;

    @Override
    public Integer call() throws IOException {
        long[] dims = parseShape();
        Path dir = output.toAbsolutePath().normalize().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new ParameterException(spec.commandLine(), "output directory does not exist: " + dir);
        }
        long cols = dims[dims.length - 1];
        long rows = 1;
        for (int i = 0; i < dims.length - 1; i++) {
            rows = Math.multiplyExact(rows, dims[i]);
        }
        if (cols > Integer.MAX_VALUE - 8) {
            throw new ParameterException(spec.commandLine(), "rows of " + cols + " elements are too long to generate");
        }
        boolean f32 = dtype == DType.float32;
        int item = f32 ? 4 : 8;
        long t0 = System.nanoTime();
        try (NpyWriter w = NpyWriter.create(output, f32 ? NpyDType.FLOAT32 : NpyDType.FLOAT64, dims)) {
            if (cols > 0) {
                int blockRows = (int) Math.max(1, Math.min(rows, BLOCK_ELEMENTS / cols));
                ByteBuffer buf = ByteBuffer.allocate((int) (blockRows * cols * item)).order(ByteOrder.nativeOrder());
                long block = 0;
                for (long r0 = 0; r0 < rows; r0 += blockRows, block++) {
                    int n = (int) Math.min(blockRows, rows - r0);
                    // One seed per block, derived from the user's: blocks are independent and reproducible.
                    double[] x = Inputs.doubles(pattern, n, (int) cols, seed * 0x9E3779B97F4A7C15L + block);
                    buf.clear();
                    for (double v : x) {
                        if (f32) {
                            buf.putFloat((float) v);
                        } else {
                            buf.putDouble(v);
                        }
                    }
                    w.write(buf.flip());
                }
            }
            w.commit();
        }
        PrintWriter out = spec.commandLine().getOut();
        out.printf(Locale.ROOT, "wrote %s: shape %s %s, pattern %s, seed %d in %.2f s%n", output,
                String.join("x", java.util.Arrays.stream(dims).mapToObj(Long::toString).toList()), dtype,
                pattern.name().toLowerCase(Locale.ROOT), seed, (System.nanoTime() - t0) / 1e9);
        out.flush();
        return 0;
    }

    private long[] parseShape() {
        String[] parts = shape.trim().split("[x,]");
        long[] dims = new long[parts.length];
        try {
            for (int i = 0; i < parts.length; i++) {
                dims[i] = Long.parseLong(parts[i].trim());
                if (dims[i] < 0) {
                    throw new NumberFormatException();
                }
            }
        } catch (NumberFormatException e) {
            throw new ParameterException(spec.commandLine(), "--shape must look like 1000x10 (non-negative"
                    + " integers separated by 'x'), got '" + shape + "'");
        }
        return dims;
    }
}
