/*
 * The element types softmax-cl reads and writes, in memory, on the device and in .npy files. 16-bit
 * types are storage formats: the device loads them into float32, computes, and rounds back.
 */
package io.github.softmaxcl;

/** Element type of logits, probabilities and gradients. */
public enum ElementType {
    /** IEEE binary32 ({@code float}, NumPy {@code <f4}). */
    FLOAT32(4, "float32"),
    /** IEEE binary64 ({@code double}, NumPy {@code <f8}); needs a device with cl_khr_fp64. */
    FLOAT64(8, "float64"),
    /** IEEE binary16 (NumPy {@code <f2}) held in {@code short} bits, computed in float32. */
    FLOAT16(2, "float16"),
    /** bfloat16 (the upper half of a binary32) held in {@code short} bits, computed in float32. */
    BFLOAT16(2, "bfloat16");

    private final int bytes;
    private final String label;

    ElementType(int bytes, String label) {
        this.bytes = bytes;
        this.label = label;
    }

    /** @return bytes per element */
    public int bytes() {
        return bytes;
    }

    /** @return the type arithmetic runs in: FLOAT64 for FLOAT64, FLOAT32 for the others */
    public ElementType computeType() {
        return this == FLOAT64 ? FLOAT64 : FLOAT32;
    }

    /** @return whether this is a 16-bit storage format (FLOAT16 or BFLOAT16) */
    public boolean isHalf() {
        return bytes == 2;
    }

    /** @return the lower-case name used on the command line, in JSON and by NumPy */
    public String label() {
        return label;
    }

    /**
     * @param label {@code float32}, {@code float64}, {@code float16} or {@code bfloat16} (any case)
     * @return the element type
     * @throws IllegalArgumentException if the label names no element type
     */
    public static ElementType fromLabel(String label) {
        for (ElementType t : values()) {
            if (t.label.equalsIgnoreCase(label)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown element type '" + label
                + "' (use float32, float64, float16 or bfloat16)");
    }
}
