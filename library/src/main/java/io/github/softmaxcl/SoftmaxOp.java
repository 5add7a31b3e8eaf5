/*
 * What to compute, described once and reused: softmax or log-softmax, along which axis, at which
 * temperature, with which mask and what fully masked rows become. Immutable; the with* methods
 * return new descriptions.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.exec.OpSpec;
import java.util.Objects;

/**
 * An immutable softmax-family operation.
 *
 * <pre>{@code
 * SoftmaxOp.softmax()                                  // along the last axis
 * SoftmaxOp.logSoftmax().withAxis(0)                   // x - max - log(sum exp(x - max)) per column
 * SoftmaxOp.softmax().withTemperature(0.7)             // softmax(x / 0.7)
 * SoftmaxOp.softmax().withMask(keepRow).withMaskedRows(MaskedRows.ZERO)
 * }</pre>
 *
 * <p>Semantics: a row containing NaN or +inf, or with no finite unmasked entry, is all NaN (or all
 * zeros, -inf for log, with {@link MaskedRows#ZERO}); masked and -inf entries of other rows are
 * exactly 0 (-inf for log). Gradients: softmax dx = y (dy - sum(dy y)); log-softmax
 * dx = dy - exp(y) sum(dy); both divided by T.
 */
public final class SoftmaxOp {
    private static final SoftmaxOp SOFTMAX = new SoftmaxOp(false, -1, 1.0, null, MaskedRows.NAN);
    private static final SoftmaxOp LOG = new SoftmaxOp(true, -1, 1.0, null, MaskedRows.NAN);

    private final boolean log;
    private final int axis;
    private final double temperature;
    private final byte[] mask;
    private final MaskedRows maskedRows;

    private SoftmaxOp(boolean log, int axis, double temperature, byte[] mask, MaskedRows maskedRows) {
        this.log = log;
        this.axis = axis;
        this.temperature = temperature;
        this.mask = mask;
        this.maskedRows = maskedRows;
    }

    /** @return softmax along the last axis */
    public static SoftmaxOp softmax() {
        return SOFTMAX;
    }

    /** @return log-softmax along the last axis, computed directly (never as the log of softmax) */
    public static SoftmaxOp logSoftmax() {
        return LOG;
    }

    /**
     * @param a the axis; negative counts from the end (-1 is the last)
     * @return this op along {@code a}
     */
    public SoftmaxOp withAxis(int a) {
        return new SoftmaxOp(log, a, temperature, mask, maskedRows);
    }

    /**
     * @param t the temperature T, finite and &gt; 0; T = 1 is bit-identical to no temperature
     * @return this op on x / T
     * @throws IllegalArgumentException if T is not finite and positive
     */
    public SoftmaxOp withTemperature(double t) {
        if (!(t > 0) || Double.isInfinite(t)) {
            throw new IllegalArgumentException("temperature must be finite and > 0, got " + t);
        }
        return new SoftmaxOp(log, axis, t, mask, maskedRows);
    }

    /**
     * @param keep one entry per element of the tensor, or (last axis only) one row broadcast over
     *     every row; false = masked. Copied.
     * @return this op with the mask
     * @throws IllegalArgumentException if {@code keep} is null
     */
    public SoftmaxOp withMask(boolean[] keep) {
        if (keep == null) {
            throw new IllegalArgumentException("mask must not be null");
        }
        byte[] b = new byte[keep.length];
        for (int i = 0; i < keep.length; i++) {
            b[i] = keep[i] ? (byte) 1 : 0;
        }
        return new SoftmaxOp(log, axis, temperature, b, maskedRows);
    }

    /**
     * @param keep bytes, 0 = masked, in the same forms as {@link #withMask(boolean[])}. Not copied:
     *     the op reads them at each call, so a new mask per batch needs no new op; do not change
     *     them while a call runs.
     * @return this op with the mask
     * @throws IllegalArgumentException if {@code keep} is null
     */
    public SoftmaxOp withMask(byte[] keep) {
        if (keep == null) {
            throw new IllegalArgumentException("mask must not be null");
        }
        return new SoftmaxOp(log, axis, temperature, keep, maskedRows);
    }

    /** @return this op without a mask */
    public SoftmaxOp withoutMask() {
        return new SoftmaxOp(log, axis, temperature, null, maskedRows);
    }

    /**
     * @param rows what rows with no finite unmasked entry become
     * @return this op with that policy
     * @throws IllegalArgumentException if {@code rows} is null
     */
    public SoftmaxOp withMaskedRows(MaskedRows rows) {
        if (rows == null) {
            throw new IllegalArgumentException("maskedRows must not be null");
        }
        return new SoftmaxOp(log, axis, temperature, mask, rows);
    }

    /** @return whether this is log-softmax */
    public boolean isLog() {
        return log;
    }

    /** @return the axis (negative counts from the end) */
    public int axis() {
        return axis;
    }

    /** @return the temperature */
    public double temperature() {
        return temperature;
    }

    /** @return the mask's length, or -1 without a mask */
    public int maskLength() {
        return mask == null ? -1 : mask.length;
    }

    /** @return the fully-masked-row policy */
    public MaskedRows maskedRows() {
        return maskedRows;
    }

    OpSpec spec() {
        return new OpSpec(log, axis, temperature, mask, maskedRows == MaskedRows.ZERO);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SoftmaxOp s && s.log == log && s.axis == axis && s.temperature == temperature
                && s.mask == mask && s.maskedRows == maskedRows;
    }

    @Override
    public int hashCode() {
        return Objects.hash(log, axis, temperature, System.identityHashCode(mask), maskedRows);
    }

    @Override
    public String toString() {
        return (log ? "logSoftmax" : "softmax") + "(axis " + axis + (temperature != 1 ? ", T " + temperature : "")
                + (mask != null ? ", mask of " + mask.length : "") + (maskedRows == MaskedRows.ZERO
                        ? ", masked rows zero" : "") + ")";
    }
}
