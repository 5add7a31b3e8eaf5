/*
 * The CPU reference for the whole softmax family, in plain double arithmetic: log-softmax computed
 * directly (ReferenceSoftmax.logRow, not the log of softmax), temperature, masks, masked-row
 * policy, any axis, and gradients. It shares nothing with the kernels but the definitions.
 */
package io.github.softmaxcl.reference;

import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxOp;

/** Double-precision oracle for the softmax family. */
public final class ReferenceFamily {
    private ReferenceFamily() {}

    /**
     * The logits as the device sees them after the temperature: x times 1/T, rounded to the
     * precision the device computes in (for T = 1, x itself). The reference starts from these, so the
     * comparison measures the kernel, not float32's rounding of large scaled logits.
     *
     * @param x logits
     * @param options the options (temperature)
     * @param compute the device's computing precision
     * @return the scaled logits
     */
    public static double[] scaled(double[] x, SoftmaxOp options, ElementType compute) {
        if (options.temperature() == 1.0) {
            return x;
        }
        double s = 1.0 / options.temperature();
        double[] out = new double[x.length];
        float sf = (float) s;
        for (int i = 0; i < x.length; i++) {
            out[i] = compute == ElementType.FLOAT64 ? x[i] * s : (double) ((float) x[i] * sf);
        }
        return out;
    }

    /**
     * Forward softmax or log-softmax along one axis.
     *
     * @param z scaled logits (see {@link #scaled})
     * @param shape the array's shape
     * @param axis the axis, negative from the end
     * @param options log form and masked-row policy
     * @param mask null, one byte per element, or (last axis) one row broadcast; 0 = masked
     * @return the result in double
     */
    public static double[] forward(double[] z, long[] shape, int axis, SoftmaxOp options, byte[] mask) {
        long[] d = dims(shape, axis);
        int outer = (int) d[0];
        int k = (int) d[1];
        int inner = (int) d[2];
        double[] out = new double[z.length];
        double[] row = new double[k];
        double[] res = new double[k];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                boolean anyFinite = false;
                boolean poisoned = false;
                for (int j = 0; j < k; j++) {
                    int idx = (o * k + j) * inner + i;
                    boolean keep = mask == null || (mask.length == z.length ? mask[idx] : mask[j]) != 0;
                    double v = keep ? z[idx] : Double.NEGATIVE_INFINITY;
                    row[j] = v;
                    poisoned |= Double.isNaN(v) || v == Double.POSITIVE_INFINITY;
                    anyFinite |= v > Double.NEGATIVE_INFINITY && !Double.isNaN(v);
                }
                if (!poisoned && !anyFinite && options.maskedRows() == MaskedRows.ZERO) {
                    java.util.Arrays.fill(res, options.isLog() ? Double.NEGATIVE_INFINITY : 0.0);
                } else if (options.isLog()) {
                    ReferenceSoftmax.logRow(row, k, res, 0);
                } else {
                    ReferenceSoftmax.row(row, k, res, 0);
                }
                for (int j = 0; j < k; j++) {
                    out[(o * k + j) * inner + i] = res[j];
                }
            }
        }
        return out;
    }

    /**
     * Gradient with respect to the logits: softmax dx = y (dy - sum(dy y)); log-softmax
     * dx = dy - exp(y) sum(dy); both divided by the temperature.
     *
     * @param y forward output
     * @param dy upstream gradient
     * @param shape the shape
     * @param axis the axis
     * @param options log form and temperature
     * @return dx in double
     */
    public static double[] backward(double[] y, double[] dy, long[] shape, int axis, SoftmaxOp options) {
        return gradient(y, dy, shape, axis, options, false);
    }

    /**
     * The size of the terms each gradient element is computed from, the scale of its rounding: a
     * gradient is a difference, dy_i - p_i sum_j dy_j (log-softmax) or p_i (dy_i - sum_j p_j dy_j)
     * (softmax), over T, which can cancel to far below its terms; the float32 rounding of those terms
     * then dominates its error, however small the result. Element i is
     * (|dy_i| + p_i sum_j |dy_j|) / T for log-softmax and p_i (|dy_i| + sum_j p_j |dy_j|) / T for
     * softmax, with the same layout as {@link #backward}.
     *
     * @param y the forward output (log-probabilities for log-softmax)
     * @param dy the upstream gradient
     * @param shape the shape
     * @param axis the axis
     * @param options log form and temperature
     * @return the magnitude of each element's terms
     */
    public static double[] backwardMagnitude(double[] y, double[] dy, long[] shape, int axis, SoftmaxOp options) {
        return gradient(y, dy, shape, axis, options, true);
    }

    /** The gradient, or with {@code magnitude} the same sums over absolute values (see above). */
    private static double[] gradient(double[] y, double[] dy, long[] shape, int axis, SoftmaxOp options,
            boolean magnitude) {
        long[] d = dims(shape, axis);
        int outer = (int) d[0];
        int k = (int) d[1];
        int inner = (int) d[2];
        double scale = 1.0 / options.temperature();
        double[] dx = new double[y.length];
        double[] terms = new double[k];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                for (int j = 0; j < k; j++) {
                    int idx = (o * k + j) * inner + i;
                    double t = options.isLog() ? dy[idx] : dy[idx] * y[idx];
                    terms[j] = magnitude ? Math.abs(t) : t;
                }
                double acc = ReferenceSoftmax.pairwiseSum(terms, 0, k);
                for (int j = 0; j < k; j++) {
                    int idx = (o * k + j) * inner + i;
                    double g;
                    if (magnitude) {
                        g = options.isLog() ? Math.abs(dy[idx]) + Math.exp(y[idx]) * acc
                                : Math.abs(y[idx]) * (Math.abs(dy[idx]) + acc);
                    } else {
                        g = options.isLog() ? dy[idx] - Math.exp(y[idx]) * acc : y[idx] * (dy[idx] - acc);
                    }
                    dx[idx] = g * scale;
                }
            }
        }
        return dx;
    }

    /**
     * @param shape a shape
     * @param axis an axis, negative from the end
     * @return {outer, k, inner}
     * @throws IllegalArgumentException if the axis is out of range
     */
    public static long[] dims(long[] shape, int axis) {
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for " + shape.length + " axes");
        }
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < a; i++) {
            outer *= shape[i];
        }
        for (int i = a + 1; i < shape.length; i++) {
            inner *= shape[i];
        }
        return new long[] {outer, shape[a], inner};
    }

    /**
     * Reorders an array so that each softmax vector along {@code axis} becomes one row: the layout
     * {@link Comparison} reads (rows = outer x inner, cols = k).
     *
     * @param a values in the array's layout
     * @param shape the shape
     * @param axis the axis
     * @return the same values, one softmax vector per row
     */
    public static double[] toRows(double[] a, long[] shape, int axis) {
        long[] d = dims(shape, axis);
        int outer = (int) d[0];
        int k = (int) d[1];
        int inner = (int) d[2];
        if (inner == 1) {
            return a;
        }
        double[] out = new double[a.length];
        for (int o = 0; o < outer; o++) {
            for (int i = 0; i < inner; i++) {
                for (int j = 0; j < k; j++) {
                    out[(o * inner + i) * k + j] = a[(o * k + j) * inner + i];
                }
            }
        }
        return out;
    }
}
