/*
 * The floating-point formats the engine computes in. Storage and arithmetic match: float32 data is
 * reduced in float32 on the device (tree reductions keep that accurate), float64 in float64.
 */
package io.github.softmaxcl;

/** Element type of the logits and probabilities. */
public enum Precision {
    /** IEEE binary32 ({@code float}, NumPy {@code <f4}). */
    FLOAT32(4),
    /** IEEE binary64 ({@code double}, NumPy {@code <f8}); needs a device with cl_khr_fp64. */
    FLOAT64(8);

    private final int bytes;

    Precision(int bytes) {
        this.bytes = bytes;
    }

    /** @return bytes per element */
    public int bytes() {
        return bytes;
    }
}
