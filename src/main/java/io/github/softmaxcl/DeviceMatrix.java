/*
 * A rows x cols matrix that lives in device memory, for callers who run softmax many times on the
 * same data or chain it with their own kernels: upload once, compute (in place or into another
 * device matrix) as often as wanted, download when done. Nothing is copied behind the caller's back.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.cl.ClBuffer;
import org.jocl.Pointer;

/**
 * Device-resident matrix owned by the caller and tied to the engine that created it.
 * Obtain one from {@link SoftmaxEngine#upload(float[], int, int)} or
 * {@link SoftmaxEngine#allocate(long, long, ElementType)}; close it to free the device memory.
 */
public final class DeviceMatrix implements AutoCloseable {
    private final SoftmaxEngine engine;
    private final ClBuffer buffer;
    private final long rows;
    private final long cols;
    private final ElementType precision;

    DeviceMatrix(SoftmaxEngine engine, ClBuffer buffer, long rows, long cols, ElementType precision) {
        this.engine = engine;
        this.buffer = buffer;
        this.rows = rows;
        this.cols = cols;
        this.precision = precision;
    }

    /** @return number of rows */
    public long rows() {
        return rows;
    }

    /** @return row length */
    public long cols() {
        return cols;
    }

    /** @return element type */
    public ElementType precision() {
        return precision;
    }

    /** @return size in bytes */
    public long bytes() {
        return rows * cols * precision.bytes();
    }

    SoftmaxEngine engine() {
        return engine;
    }

    ClBuffer buffer() {
        return buffer;
    }

    /**
     * Copies the matrix into a Java array.
     *
     * @param dst destination of length {@code rows * cols}
     * @throws IllegalArgumentException if the length or precision does not match
     * @throws io.github.softmaxcl.cl.ClException if the transfer fails
     */
    public void download(float[] dst) {
        check(dst == null ? -1 : dst.length, ElementType.FLOAT32);
        engine.transfer(() -> buffer.read(engine.queue(), 0, bytes(), Pointer.to(dst)));
    }

    /**
     * Copies the matrix into a Java array.
     *
     * @param dst destination of length {@code rows * cols}
     * @throws IllegalArgumentException if the length or precision does not match
     * @throws io.github.softmaxcl.cl.ClException if the transfer fails
     */
    public void download(double[] dst) {
        check(dst == null ? -1 : dst.length, ElementType.FLOAT64);
        engine.transfer(() -> buffer.read(engine.queue(), 0, bytes(), Pointer.to(dst)));
    }

    /**
     * Replaces the matrix's contents from a Java array.
     *
     * @param src source of length {@code rows * cols}
     * @throws IllegalArgumentException if the length or precision does not match
     * @throws io.github.softmaxcl.cl.ClException if the transfer fails
     */
    public void upload(float[] src) {
        check(src == null ? -1 : src.length, ElementType.FLOAT32);
        engine.transfer(() -> buffer.write(engine.queue(), 0, bytes(), Pointer.to(src)));
    }

    /**
     * Replaces the matrix's contents from a Java array.
     *
     * @param src source of length {@code rows * cols}
     * @throws IllegalArgumentException if the length or precision does not match
     * @throws io.github.softmaxcl.cl.ClException if the transfer fails
     */
    public void upload(double[] src) {
        check(src == null ? -1 : src.length, ElementType.FLOAT64);
        engine.transfer(() -> buffer.write(engine.queue(), 0, bytes(), Pointer.to(src)));
    }

    private void check(int length, ElementType p) {
        if (length < 0) {
            throw new IllegalArgumentException("array must not be null");
        }
        if (p != precision) {
            throw new IllegalArgumentException("matrix holds " + precision + ", array is " + p);
        }
        if (length != rows * cols) {
            throw new IllegalArgumentException("array length " + length + " does not equal rows * cols = " + rows
                    + " * " + cols);
        }
    }

    /** Frees the device memory. Idempotent; never throws. */
    @Override
    public void close() {
        buffer.close();
    }

    @Override
    public String toString() {
        return "DeviceMatrix[" + rows + "x" + cols + " " + precision + "]";
    }
}
