/*
 * The softmax family's options, as one immutable value: log-softmax or softmax, a temperature, and
 * what fully masked rows become. Validated on construction, so a bad temperature fails before
 * anything runs, with the value in the message.
 */
package io.github.softmaxcl;

/**
 * Options of a softmax call.
 *
 * @param log compute log-softmax, x - max - log(sum exp(x - max)), instead of softmax
 * @param temperature T in softmax(x / T): finite and &gt; 0; 1 is plain softmax, bit for bit
 * @param maskedRows what rows with no finite unmasked entry become
 */
public record SoftmaxOptions(boolean log, double temperature, MaskedRows maskedRows) {
    /** Plain softmax. */
    public static final SoftmaxOptions SOFTMAX = new SoftmaxOptions(false, 1.0, MaskedRows.NAN);
    /** Plain log-softmax. */
    public static final SoftmaxOptions LOG_SOFTMAX = new SoftmaxOptions(true, 1.0, MaskedRows.NAN);

    /**
     * @throws IllegalArgumentException if the temperature is not finite and &gt; 0, or maskedRows is null
     */
    public SoftmaxOptions {
        if (!(temperature > 0) || Double.isInfinite(temperature)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + temperature);
        }
        if (maskedRows == null) {
            throw new IllegalArgumentException("maskedRows must not be null");
        }
    }

    /**
     * @param t the temperature, finite and &gt; 0
     * @return these options with that temperature
     * @throws IllegalArgumentException if {@code t} is not finite and &gt; 0
     */
    public SoftmaxOptions withTemperature(double t) {
        return new SoftmaxOptions(log, t, maskedRows);
    }

    /**
     * @param useLog whether to compute log-softmax
     * @return these options with that choice
     */
    public SoftmaxOptions withLog(boolean useLog) {
        return new SoftmaxOptions(useLog, temperature, maskedRows);
    }

    /**
     * @param rows what rows with no finite unmasked entry become
     * @return these options with that choice
     * @throws IllegalArgumentException if {@code rows} is null
     */
    public SoftmaxOptions withMaskedRows(MaskedRows rows) {
        return new SoftmaxOptions(log, temperature, rows);
    }

    /**
     * Converts a boolean mask (true = keep) to the byte form the engine takes.
     *
     * @param keep the mask
     * @return 1 where keep is true, else 0
     * @throws IllegalArgumentException if {@code keep} is null
     */
    public static byte[] mask(boolean[] keep) {
        if (keep == null) {
            throw new IllegalArgumentException("mask must not be null");
        }
        byte[] b = new byte[keep.length];
        for (int i = 0; i < keep.length; i++) {
            b[i] = keep[i] ? (byte) 1 : 0;
        }
        return b;
    }
}
