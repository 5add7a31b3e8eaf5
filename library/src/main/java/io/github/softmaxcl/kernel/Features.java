/*
 * The softmax family's compile-time features for one call: log form, temperature, mask and what
 * fully masked rows become. They become -D defines (so the program cache keys on them); kernel
 * signatures do not change with them (the mask and scale arguments are always there, and unused when
 * the feature is compiled out). The element type is not a feature: it comes with the plan or call.
 */
package io.github.softmaxcl.kernel;

/**
 * Kernel features of one call.
 *
 * @param log log-softmax (or its gradient)
 * @param scale 1/T, multiplied into every input; exactly 1 compiles no multiplication at all
 * @param mask whether a mask buffer is read
 * @param maskedZero rows with no finite unmasked entry give zeros (-inf for log)
 */
public record Features(boolean log, double scale, boolean mask, boolean maskedZero) {
    /** Plain softmax. */
    public static final Features PLAIN = new Features(false, 1.0, false, false);

    /** @return whether a temperature multiplication is compiled in */
    public boolean scaled() {
        return scale != 1.0;
    }

    /** @return the features that apply to gradients: the log form and the temperature */
    Features forGradient() {
        return new Features(log, scale, false, false);
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
        return sb.toString().trim();
    }
}
