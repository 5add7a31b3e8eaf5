/*
 * The softmax family's compile-time features for one call: log form, temperature, mask, what fully
 * masked rows become, and 16-bit storage. They become -D defines (so the program cache keys on
 * them) and extra kernel arguments appended after each kernel's own.
 */
package io.github.softmaxcl.kernel;

/**
 * Kernel features of one call.
 *
 * @param log log-softmax (or its gradient)
 * @param scale 1/T, multiplied into every input; exactly 1 compiles no multiplication at all
 * @param mask whether a mask buffer is passed
 * @param maskedZero rows with no finite unmasked entry give zeros (-inf for log)
 * @param storage the element storage in device memory
 */
public record Features(boolean log, double scale, boolean mask, boolean maskedZero, Storage storage) {
    /** Plain softmax of float32/float64 data. */
    public static final Features PLAIN = new Features(false, 1.0, false, false, Storage.NATIVE);

    /** How elements are stored. */
    public enum Storage {
        /** As the computing precision (float32 or float64). */
        NATIVE,
        /** IEEE binary16, computed in float32. */
        HALF,
        /** bfloat16, computed in float32. */
        BF16
    }

    /** Interim: features stored natively. */
    public Features(boolean log, double scale, boolean mask, boolean maskedZero) {
        this(log, scale, mask, maskedZero, Storage.NATIVE);
    }

    /** Interim: storage of a 16-bit type. */
    public Features storedAs(io.github.softmaxcl.ElementType t) {
        return new Features(log, scale, mask, maskedZero, t == io.github.softmaxcl.ElementType.FLOAT16 ? Storage.HALF
                : t == io.github.softmaxcl.ElementType.BFLOAT16 ? Storage.BF16 : Storage.NATIVE);
    }

    /** @return whether a temperature multiplication is compiled in */
    public boolean scaled() {
        return scale != 1.0;
    }

    /** @return the -D defines for these features, space-separated (empty for PLAIN) */
    public String defines() {
        StringBuilder sb = new StringBuilder();
        if (log) {
            sb.append(" -DLOG_SOFTMAX");
        }
        if (scaled()) {
            sb.append(" -DSCALED");
        }
        if (mask) {
            sb.append(" -DHAS_MASK");
        }
        if (maskedZero) {
            sb.append(" -DMASKED_ZERO");
        }
        if (storage == Storage.HALF) {
            sb.append(" -DSTORAGE_HALF");
        } else if (storage == Storage.BF16) {
            sb.append(" -DSTORAGE_BF16");
        }
        return sb.toString().trim();
    }
}
