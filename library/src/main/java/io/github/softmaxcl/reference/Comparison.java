/*
 * Compares a device result with the reference and summarises the differences the way a user wants
 * to read them: worst absolute and relative error, worst ULP distance, worst row-sum deviation,
 * whether non-finite patterns match, argmax agreement, and the first offending element.
 */
package io.github.softmaxcl.reference;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.reference.Float16;

/**
 * The outcome of comparing one device output with the reference.
 *
 * @param elements number of elements compared
 * @param maxAbs largest |device - reference| over finite elements
 * @param maxRel largest relative error over elements whose reference is above the floor
 * @param maxUlp largest distance in units in the last place of the device precision
 * @param maxRowSumDeviation largest |row sum - s| over rows that are not NaN, where s is what the
 *     reference sums to once rounded to the format: 1 (0 for a row of masked-row zeros) up to the
 *     rounding that storing the outputs in the format alone causes
 * @param nonFiniteMismatches elements where exactly one side is NaN, or a -inf input did not give exactly 0
 * @param argmaxDisagreements finite rows whose argmax differs
 * @param failures elements outside the tolerance (including non-finite mismatches)
 * @param firstFailure description of the first failing element, or empty
 * @param tolerance the tolerance applied
 */
public record Comparison(long elements, double maxAbs, double maxRel, long maxUlp, double maxRowSumDeviation,
        long nonFiniteMismatches, long argmaxDisagreements, long failures, String firstFailure, Tolerance tolerance) {

    /** @return whether everything is within tolerance */
    public boolean passed() {
        return failures == 0 && nonFiniteMismatches == 0 && maxRowSumDeviation <= tolerance.rowSum();
    }

    /** Reads element i of a float[] or double[] as a double. */
    @FunctionalInterface
    public interface Values {
        /**
         * @param i index
         * @return the value at {@code i}
         */
        double get(long i);
    }

    /**
     * @param input the logits (to find -inf entries)
     * @param device the device output
     * @param reference the reference output
     * @param rows rows
     * @param cols row length
     * @param precision the device precision (for ULPs and the tolerance)
     * @return the comparison
     */
    public static Comparison of(Values input, Values device, Values reference, long rows, long cols,
            ElementType precision) {
        return of(device, reference, rows, cols, Tolerance.Kind.SOFTMAX,
                precision,
                i -> input.get(i) == Double.NEGATIVE_INFINITY);
    }

    /**
     * The general comparison, for every member of the softmax family.
     *
     * @param device the device output, one softmax vector per row
     * @param reference the reference output, same layout
     * @param rows rows
     * @param cols row length
     * @param kind softmax, log-softmax or gradient
     * @param format the device's element format (tolerance and ULPs)
     * @param masked elements whose input was -inf or masked: exactly 0 (or exactly -inf for log) required
     * @return the comparison
     */
    public static Comparison of(Values device, Values reference, long rows, long cols, Tolerance.Kind kind,
            ElementType format, java.util.function.LongPredicate masked) {
        return of(device, reference, i -> Math.abs(reference.get(i)), rows, cols, kind, format, masked);
    }

    /**
     * The general comparison with the relative tolerance taken of a magnitude other than the
     * reference value's: for gradients, the size of the terms each element is computed from
     * ({@link ReferenceFamily#backwardMagnitude}), since a difference that cancels keeps the
     * rounding of its terms.
     *
     * @param device the device output, one vector per row
     * @param reference the reference output, same layout
     * @param magnitude what the relative tolerance is taken of, at least |reference|, same layout
     * @param rows rows
     * @param cols row length
     * @param kind softmax, log-softmax or gradient
     * @param format the device's element format (tolerance and ULPs)
     * @param masked elements whose input was -inf or masked: exactly 0 (or exactly -inf for log) required
     * @return the comparison
     */
    public static Comparison of(Values device, Values reference, Values magnitude, long rows, long cols,
            Tolerance.Kind kind, ElementType format, java.util.function.LongPredicate masked) {
        Tolerance tol = Tolerance.of(format, kind);
        double maxAbs = 0;
        double maxRel = 0;
        long maxUlp = 0;
        double maxSum = 0;
        long nonFinite = 0;
        long argmax = 0;
        long failures = 0;
        String first = "";
        for (long r = 0; r < rows; r++) {
            double sum = 0;
            double refSum = 0;
            boolean nanRow = false;
            long dArg = -1;
            long rArg = -1;
            double dBest = Double.NEGATIVE_INFINITY;
            double rBest = Double.NEGATIVE_INFINITY;
            for (long c = 0; c < cols; c++) {
                long i = r * cols + c;
                double d = device.get(i);
                double ref = reference.get(i);
                boolean bad;
                if (Double.isNaN(ref) || Double.isNaN(d)) {
                    bad = Double.isNaN(ref) != Double.isNaN(d);
                    nanRow |= Double.isNaN(ref);
                    if (bad) {
                        nonFinite++;
                    }
                } else if (Double.isInfinite(ref) || Double.isInfinite(d)) {
                    bad = d != ref; // log-softmax of a masked entry: exactly -inf
                    if (bad) {
                        nonFinite++;
                    }
                } else if (masked.test(i) && kind != Tolerance.Kind.GRADIENT && d != ref) {
                    bad = true; // a masked softmax entry is exactly 0
                    nonFinite++;
                } else {
                    double err = Math.abs(d - ref);
                    maxAbs = Math.max(maxAbs, err);
                    if (Math.abs(ref) >= tol.relFloor()) {
                        maxRel = Math.max(maxRel, err / Math.abs(ref));
                    }
                    maxUlp = Math.max(maxUlp, ulps(d, ref, format));
                    bad = !tol.accepts(d, ref, Math.max(Math.abs(ref), magnitude.get(i)));
                    sum += kind == Tolerance.Kind.LOG ? Math.exp(d) : d;
                    double stored = rounded(ref, format);
                    refSum += kind == Tolerance.Kind.LOG ? Math.exp(stored) : stored;
                    if (d > dBest) {
                        dBest = d;
                        dArg = c;
                    }
                    if (ref > rBest) {
                        rBest = ref;
                        rArg = c;
                    }
                }
                if (bad) {
                    if (failures == 0) {
                        first = "row " + r + ", col " + c + ": device " + d + ", reference " + ref
                                + (masked.test(i) ? " (masked or -inf input)" : "");
                    }
                    failures++;
                }
            }
            if (!nanRow && cols > 0 && kind != Tolerance.Kind.GRADIENT) {
                // Against the sum of the reference as the format stores it: in 16 bits, rounding alone
                // moves a long near-uniform row's sum past the tolerance (float16 log-probabilities
                // of a 4096-wide row are -8.32 +- 2^-8: 0.4% in exp), even when every output is exact.
                maxSum = Math.max(maxSum, Math.abs(sum - refSum));
                // Ties between equal probabilities may break either way; only count a real difference.
                if (dArg != rArg && rArg >= 0 && dArg >= 0 && reference.get(r * cols + dArg) != rBest) {
                    argmax++;
                }
            }
        }
        return new Comparison(rows * cols, maxAbs, maxRel, maxUlp, maxSum, nonFinite, argmax, failures, first, tol);
    }

    /**
     * @param v a value
     * @param format an element format
     * @return v rounded to the nearest value of the format (ties to even), as a double
     */
    static double rounded(double v, ElementType format) {
        return switch (format) {
            case FLOAT64 -> v;
            case FLOAT32 -> (float) v;
            case FLOAT16 -> Float16.toFloat(Float16.fromFloat((float) v));
            case BFLOAT16 -> {
                int u = Float.floatToRawIntBits((float) v);
                yield Float.isNaN((float) v) ? v : Float.intBitsToFloat((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16 << 16);
            }
        };
    }

    /**
     * @param d device value
     * @param ref reference value
     * @param format the device's element format
     * @return representable values of that format between the two (reference rounded to the format)
     */
    static long ulps(double d, double ref, ElementType format) {
        if (format == ElementType.FLOAT16) {
            return Math.abs(ordered16(io.github.softmaxcl.reference.Float16.fromFloat((float) d))
                    - ordered16(io.github.softmaxcl.reference.Float16.fromFloat((float) ref)));
        }
        if (format == ElementType.BFLOAT16) {
            return Math.abs(ordered(Float.floatToRawIntBits((float) d) >> 16 << 16)
                    - ordered(Float.floatToRawIntBits((float) ref) >> 16 << 16)) >> 16;
        }
        if (format == ElementType.FLOAT32) {
            long a = ordered(Float.floatToRawIntBits((float) d));
            long b = ordered(Float.floatToRawIntBits((float) ref));
            return Math.abs(a - b);
        }
        long a = orderedLong(Double.doubleToRawLongBits(d));
        long b = orderedLong(Double.doubleToRawLongBits(ref));
        long diff = a - b;
        return diff == Long.MIN_VALUE ? Long.MAX_VALUE : Math.abs(diff);
    }

    private static long ordered16(short bits) {
        int b = bits;
        return b < 0 ? -(b & 0x7FFF) : b;
    }

    private static long ordered(int bits) {
        return bits < 0 ? (long) Integer.MIN_VALUE - bits : bits;
    }

    private static long orderedLong(long bits) {
        return bits < 0 ? Long.MIN_VALUE - bits : bits;
    }

    @Override
    public String toString() {
        return String.format("%s: %d elements, max abs %.3g, max rel %.3g, max ulp %d, max |sum-1| %.3g, "
                        + "non-finite mismatches %d, argmax disagreements %d, failures %d%s",
                passed() ? "PASS" : "FAIL", elements, maxAbs, maxRel, maxUlp, maxRowSumDeviation, nonFinite(),
                argmaxDisagreements, failures, firstFailure.isEmpty() ? "" : " (first: " + firstFailure + ")");
    }

    private long nonFinite() {
        return nonFiniteMismatches;
    }
}
