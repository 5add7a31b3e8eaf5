/*
 * The thing `verify` checks, as an interface: the real engine (one per kernel variant), a
 * deliberately wrong kernel in the tests, or the rows of a result file already on disk. Keeping the
 * verifier ignorant of where results come from is what lets the tests prove that it can fail.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;

/** Something that computes row-wise softmax and can be compared with the CPU reference. */
public interface SoftmaxBackend extends AutoCloseable {
    /** @return a short label for tables and reports, e.g. the kernel variant {@code SPLIT} */
    String name();

    /** @return the device this backend runs on, as shown in reports ({@code P:D name}) */
    String device();

    /** @return whether {@link #softmax(double[], int, int)} can run (the device has fp64) */
    boolean supportsFloat64();

    /**
     * Says whether this backend can run a shape, and if not why.
     *
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @return null if it can, else the reason it cannot (shown as a skip)
     */
    String cannotRun(long rows, long cols, ElementType precision);

    /**
     * @param x row-major logits
     * @param rows rows
     * @param cols row length
     * @return the probabilities
     * @throws RuntimeException if the computation fails (reported as a failed case)
     */
    float[] softmax(float[] x, int rows, int cols);

    /**
     * @param x row-major logits
     * @param rows rows
     * @param cols row length
     * @return the probabilities
     * @throws RuntimeException if the computation fails (reported as a failed case)
     */
    double[] softmax(double[] x, int rows, int cols);

    /** Releases what the backend holds; never throws. */
    @Override
    void close();
}
