/*
 * Turns a user's .npy file into a verification case: all rows when they fit comfortably in memory,
 * else an evenly spread sample of whole rows read one by one, so a file larger than memory can be
 * checked with a small heap. Optionally reads the same rows of a result file that `run` produced,
 * so the rows that were actually written can be checked against the reference.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.npy.NpyDType;
import io.github.softmaxcl.npy.NpyFormatException;
import io.github.softmaxcl.npy.NpyHeader;
import io.github.softmaxcl.npy.NpyReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * Rows sampled from an input file and, optionally, the matching rows of a result file.
 *
 * @param verifyCase the case over the sampled rows
 * @param result the sampled rows of the result file as doubles, or null if none was given
 */
public record FileSample(VerifyCase verifyCase, double[] result) {
    /** Up to this many elements, every row is verified when no sample size is asked for. */
    public static final long ALL_ROWS_LIMIT = 1L << 24;
    /** Rows sampled from a larger file when no sample size is asked for. */
    public static final int DEFAULT_SAMPLE = 1000;

    /**
     * @param input the logits file (float32 or float64)
     * @param resultFile a result of {@code run} on that input to check instead of the device, or null
     * @param sampleRows rows to check, or 0 for all rows of a file up to {@link #ALL_ROWS_LIMIT}
     *     elements and {@link #DEFAULT_SAMPLE} rows of a larger one
     * @return the sample
     * @throws NpyFormatException if a file is not a float32/float64 .npy file, the result's shape or
     *     dtype differs from the input's, or the sample does not fit in one Java array
     * @throws IOException if reading fails
     */
    public static FileSample read(Path input, Path resultFile, int sampleRows) throws IOException {
        try (NpyReader in = NpyReader.open(input);
                NpyReader res = resultFile == null ? null : NpyReader.open(resultFile)) {
            NpyHeader h = in.header();
            ElementType precision = precisionOf(input, h.dtype());
            if (res != null && (res.header().dtype() != h.dtype()
                    || !Arrays.equals(res.header().shape(), h.shape()))) {
                throw new NpyFormatException(resultFile, "shape " + res.header().shapeString() + " "
                        + res.header().dtype() + " does not match the input's " + h.shapeString() + " " + h.dtype());
            }
            long rows = h.rows();
            long cols = h.cols();
            long n = sampleRows > 0 ? Math.min(sampleRows, rows)
                    : h.elementCount() <= ALL_ROWS_LIMIT ? rows : Math.min(DEFAULT_SAMPLE, rows);
            if (cols == 0 || n == 0) {
                throw new NpyFormatException(input, "array of shape " + h.shapeString() + " has no elements to verify");
            }
            if (n * cols > Integer.MAX_VALUE - 8) {
                throw new NpyFormatException(input, n + " rows of " + cols
                        + " elements do not fit in one Java array; use a smaller --rows-sample");
            }
            double[] x = new double[(int) (n * cols)];
            double[] y = res == null ? null : new double[x.length];
            ByteBuffer buf = ByteBuffer.allocate((int) cols * h.dtype().itemSize()).order(ByteOrder.nativeOrder());
            for (long i = 0; i < n; i++) {
                // Evenly spread, first and last row included, so both ends of the file are looked at.
                long row = n == rows ? i : n == 1 ? 0 : i * (rows - 1) / (n - 1);
                readRow(in, row, cols, buf, x, (int) (i * cols));
                if (res != null) {
                    readRow(res, row, cols, buf, y, (int) (i * cols));
                }
            }
            String name = input.getFileName() + (n == rows ? "" : " (" + n + " of " + rows + " rows)");
            return new FileSample(new VerifyCase(name, (int) n, (int) cols, precision, () -> x), y);
        }
    }

    private static void readRow(NpyReader r, long row, long cols, ByteBuffer buf, double[] dst, int offset)
            throws IOException {
        buf.clear();
        r.readElements(row * cols, buf);
        buf.flip();
        boolean f32 = r.header().dtype() == NpyDType.FLOAT32;
        for (int c = 0; c < cols; c++) {
            dst[offset + c] = f32 ? buf.getFloat(c * 4) : buf.getDouble(c * 8);
        }
    }

    /**
     * @param file the file, for the message
     * @param dtype its dtype
     * @return the precision softmax runs in for that dtype
     * @throws NpyFormatException for float16 and bool, which are not supported
     */
    public static ElementType precisionOf(Path file, NpyDType dtype) throws NpyFormatException {
        return switch (dtype) {
            case FLOAT32 -> ElementType.FLOAT32;
            case FLOAT64 -> ElementType.FLOAT64;
            case FLOAT16 -> throw new NpyFormatException(file,
                    "float16 input is not supported yet; convert it with numpy: a.astype(np.float32)");
            default -> throw new NpyFormatException(file, "dtype " + dtype + " is not a float array; softmax needs"
                    + " float32 or float64");
        };
    }

    /**
     * A backend that returns the sampled rows of the result file, so the verifier checks what
     * {@code run} wrote instead of recomputing it.
     *
     * @param resultFile the result file, for the name
     * @return the backend
     * @throws IllegalStateException if this sample has no result rows
     */
    public SoftmaxBackend resultBackend(Path resultFile) {
        if (result == null) {
            throw new IllegalStateException("no result file was sampled");
        }
        return new SoftmaxBackend() {
            @Override
            public String name() {
                return "file";
            }

            @Override
            public String device() {
                return resultFile.toString();
            }

            @Override
            public boolean supportsFloat64() {
                return true;
            }

            @Override
            public String cannotRun(long rows, long cols, ElementType precision) {
                return null;
            }

            @Override
            public float[] softmax(float[] x, int rows, int cols) {
                float[] f = new float[result.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) result[i];
                }
                return f;
            }

            @Override
            public double[] softmax(double[] x, int rows, int cols) {
                return result.clone();
            }

            @Override
            public void close() {}
        };
    }
}
