/*
 * What a .npy header says about the array that follows it, validated so that code sizing buffers
 * from it can trust the element count, the byte count and the row/column split without doing
 * its own overflow checks.
 */
package io.github.softmaxcl.npy;

import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * The parsed header of a .npy file. Immutable; the shape is copied in and out.
 *
 * <p>For softmax a C-order array is a matrix of {@link #rows()} rows of {@link #cols()} elements:
 * the last axis is the one normalised, every other axis just enumerates rows.
 */
public final class NpyHeader {
    private final NpyDType dtype;
    private final ByteOrder byteOrder;
    private final boolean fortranOrder;
    private final long[] shape;
    private final long dataOffset;
    private final long elementCount;
    private final long rows;
    private final long dataBytes;

    /**
     * @param dtype        element type
     * @param byteOrder    byte order of the stored elements (irrelevant for one-byte types)
     * @param fortranOrder whether the file stores the array column-major
     * @param shape        the dimensions; empty for a 0-d array
     * @param dataOffset   file offset at which the data starts
     * @throws IllegalArgumentException if a dimension or the offset is negative, or if the
     *                                  element count, row count or byte count does not fit in a
     *                                  long
     */
    public NpyHeader(NpyDType dtype, ByteOrder byteOrder, boolean fortranOrder, long[] shape,
            long dataOffset) {
        this.dtype = Objects.requireNonNull(dtype, "dtype");
        this.byteOrder = Objects.requireNonNull(byteOrder, "byteOrder");
        this.fortranOrder = fortranOrder;
        this.shape = Objects.requireNonNull(shape, "shape").clone();
        if (dataOffset < 0) {
            throw new IllegalArgumentException("negative data offset " + dataOffset);
        }
        this.dataOffset = dataOffset;
        for (long d : this.shape) {
            if (d < 0) {
                throw new IllegalArgumentException(
                        "negative dimension " + d + " in shape " + formatShape(this.shape));
            }
        }
        try {
            long r = 1;
            for (int i = 0; i < this.shape.length - 1; i++) {
                r = Math.multiplyExact(r, this.shape[i]);
            }
            this.rows = r;
            // Checked separately from rows: shape (2^40, 2^40, 0) has no elements but too many rows.
            this.elementCount = Math.multiplyExact(r, cols());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException(
                    "shape " + formatShape(this.shape) + " has more elements than fit in a long");
        }
        try {
            this.dataBytes = Math.multiplyExact(elementCount, (long) dtype.itemSize());
            Math.addExact(dataOffset, dataBytes);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + formatShape(this.shape) + " of "
                    + dtype + " needs more bytes than fit in a long");
        }
    }

    /** @return the element type */
    public NpyDType dtype() {
        return dtype;
    }

    /** @return the byte order of the elements in the file */
    public ByteOrder byteOrder() {
        return byteOrder;
    }

    /** @return whether the header declares Fortran (column-major) order */
    public boolean fortranOrder() {
        return fortranOrder;
    }

    /** @return a copy of the shape; empty for a 0-d array */
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of dimensions */
    public int ndim() {
        return shape.length;
    }

    /** @return the file offset of the first data byte */
    public long dataOffset() {
        return dataOffset;
    }

    /** @return the number of elements: the product of the shape, 1 for a 0-d array */
    public long elementCount() {
        return elementCount;
    }

    /** @return the number of data bytes, {@code elementCount() * dtype().itemSize()} */
    public long dataBytes() {
        return dataBytes;
    }

    /** @return the product of all axes but the last; 1 for 0-d and 1-d arrays */
    public long rows() {
        return rows;
    }

    /** @return the length of the last axis; 1 for a 0-d array */
    public long cols() {
        return shape.length == 0 ? 1 : shape[shape.length - 1];
    }

    /** @return the shape as Python writes a tuple: {@code ()}, {@code (5,)}, {@code (2, 3)} */
    public String shapeString() {
        return formatShape(shape);
    }

    static String formatShape(long[] shape) {
        StringBuilder sb = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i]);
        }
        if (shape.length == 1) {
            sb.append(',');
        }
        return sb.append(')').toString();
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NpyHeader h && dtype == h.dtype && byteOrder.equals(h.byteOrder)
                && fortranOrder == h.fortranOrder && Arrays.equals(shape, h.shape)
                && dataOffset == h.dataOffset;
    }

    @Override
    public int hashCode() {
        return Objects.hash(dtype, byteOrder, fortranOrder, Arrays.hashCode(shape), dataOffset);
    }

    @Override
    public String toString() {
        return "NpyHeader[" + dtype.descr(byteOrder) + ", shape=" + formatShape(shape)
                + (fortranOrder ? ", fortran_order" : "") + ", dataOffset=" + dataOffset + "]";
    }
}
