/*
 * The element types this package reads and writes: the three IEEE float widths that softmax
 * inputs and outputs come in, plus NumPy's one-byte bool for masks. Anything else NumPy can
 * store (integers, complex, strings, objects, records) is refused when the header is parsed.
 */
package io.github.softmaxcl.npy;

import java.nio.ByteOrder;

/** Element type of a .npy array, as far as this package supports them. */
public enum NpyDType {
    /** IEEE 754 binary16, NumPy {@code float16}, descriptor {@code <f2}. */
    FLOAT16('f', 2, "float16"),
    /** IEEE 754 binary32, NumPy {@code float32}, descriptor {@code <f4}. */
    FLOAT32('f', 4, "float32"),
    /** IEEE 754 binary64, NumPy {@code float64}, descriptor {@code <f8}. */
    FLOAT64('f', 8, "float64"),
    /** NumPy {@code bool}: one byte per element, zero is false; descriptor {@code |b1}. */
    BOOL('b', 1, "bool");

    private final char kind;
    private final int itemSize;
    private final String numpyName;

    NpyDType(char kind, int itemSize, String numpyName) {
        this.kind = kind;
        this.itemSize = itemSize;
        this.numpyName = numpyName;
    }

    /** @return bytes per element */
    public int itemSize() {
        return itemSize;
    }

    /** @return NumPy's name for the type, e.g. {@code float32} */
    public String numpyName() {
        return numpyName;
    }

    /** @return true for the three float types */
    /**
     * @return the element type this dtype holds
     * @throws IllegalStateException for BOOL, which holds masks, not numbers
     */
    public io.github.softmaxcl.ElementType elementType() {
        return switch (this) {
            case FLOAT16 -> io.github.softmaxcl.ElementType.FLOAT16;
            case FLOAT32 -> io.github.softmaxcl.ElementType.FLOAT32;
            case FLOAT64 -> io.github.softmaxcl.ElementType.FLOAT64;
            case BOOL -> throw new IllegalStateException("bool arrays hold masks, not numbers");
        };
    }

    public boolean isFloat() {
        return kind == 'f';
    }

    /**
     * The descriptor NumPy writes for this type in the given byte order, e.g. {@code <f4} or
     * {@code |b1} (NumPy marks one-byte types as having no byte order).
     *
     * @param order the byte order of the stored data
     * @return the {@code descr} string for a .npy header
     */
    public String descr(ByteOrder order) {
        char orderChar = itemSize == 1 ? '|' : order == ByteOrder.LITTLE_ENDIAN ? '<' : '>';
        return "" + orderChar + kind + itemSize;
    }

    /** Finds the supported type of this kind and size, or null. */
    static NpyDType find(char kind, int itemSize) {
        for (NpyDType t : values()) {
            if (t.kind == kind && t.itemSize == itemSize) {
                return t;
            }
        }
        return null;
    }

    @Override
    public String toString() {
        return numpyName;
    }
}
