/*
 * The accuracy contract, stated once per precision and used by every test and by `verify`.
 * An element passes when |device - reference| <= abs, or when the reference is at least relFloor in
 * magnitude and |device - reference| <= rel * |reference| (for a gradient, rel * the size of the
 * terms it is computed from). Each row that is not all NaN must also sum within rowSum to what the
 * reference sums to once rounded to the format (1 but for that rounding, which in 16 bits can exceed
 * rowSum by itself on long near-uniform rows). Non-finite patterns must match exactly, and -inf
 * inputs must give exactly 0.
 */
package io.github.softmaxcl.reference;

import io.github.softmaxcl.ElementType;

/**
 * Tolerances for comparing a device result with the double-precision reference.
 *
 * @param abs absolute error allowed for any element (probability units)
 * @param rel relative error allowed for elements whose reference value is at least {@code relFloor}
 * @param relFloor smallest reference magnitude the relative test applies to
 * @param rowSum allowed |sum of a row - sum of the reference rounded to the format|
 */
public record Tolerance(double abs, double rel, double relFloor, double rowSum) {
    /** float32: 1e-6 absolute, 2e-5 relative for outputs &gt;= 1e-30, row sums within 1e-5. */
    public static final Tolerance FLOAT32 = new Tolerance(1e-6, 2e-5, 1e-30, 1e-5);
    /** float64: 1e-15 absolute, 1e-12 relative for outputs &gt;= 1e-290, row sums within 1e-12. */
    public static final Tolerance FLOAT64 = new Tolerance(1e-15, 1e-12, 1e-290, 1e-12);

    /** What is being compared. */
    public enum Kind {
        /** Probabilities. */
        SOFTMAX,
        /** Log-probabilities (the row check is then on sum(exp(output))). */
        LOG,
        /** Gradients with respect to the logits (no row check). */
        GRADIENT
    }


    private static final double NO_ROW_CHECK = Double.POSITIVE_INFINITY;

    /**
     * The stated tolerances, one table for the whole family (probability units for softmax and
     * gradients, log-probability units for log-softmax):
     * <pre>
     *              softmax (abs, rel, floor, row)       log-softmax (abs, rel, floor, row)   gradient (abs, rel, floor)
     *   float32    1e-6,  2e-5, 1e-30,  1e-5            1e-5,  1e-6, 10, 1e-5                1e-5,  1e-4, 1e-30
     *   float64    1e-15, 1e-12, 1e-290, 1e-12          1e-12, 1e-13, 10, 1e-12              1e-12, 1e-9, 1e-290
     *   float16    1e-3,  1e-3, 6.1e-5, 2e-3            2e-3,  1e-3, 2, 2e-3                 4e-3,  4e-3, 6.1e-5
     *   bfloat16   4e-3,  4e-3, 1e-30,  1e-2            1.6e-2, 8e-3, 2, 3e-2                3e-2,  3e-2, 1e-30
     * </pre>
     * A gradient's relative term is taken of the size of the terms it is the difference of
     * ({@link ReferenceFamily#backwardMagnitude}: (|dy_i| + p_i sum |dy_j|) / T for log-softmax), not
     * of its value, which can cancel to far below them while keeping their rounding.
     * float16 is the contract (relative 1e-3 above half's smallest normal, 6.1e-5); bfloat16
     * has 3 fewer significand bits, so 4x. Log-softmax errors grow with |output| (x - max is rounded),
     * hence a relative term, from the floor abs / rel where it becomes the looser bound (below it
     * accepts nothing the absolute one does not, and a log-probability near 0 has no useful relative
     * error: -1e-9 against 0 is 100%); and a log-probability L stored in bfloat16 is off by up to
     * |L| 2^-9, so exp of it by about 1.6% for the L near -8 that still matter in a row sum: 3e-2.
     *
     * @param format the element format
     * @param kind what is compared
     * @return the tolerance
     */
    public static Tolerance of(ElementType format, Kind kind) {
        return switch (kind) {
            case SOFTMAX -> switch (format) {
                case FLOAT32 -> FLOAT32;
                case FLOAT64 -> FLOAT64;
                case FLOAT16 -> new Tolerance(1e-3, 1e-3, 6.1e-5, 2e-3);
                case BFLOAT16 -> new Tolerance(4e-3, 4e-3, 1e-30, 1e-2);
            };
            case LOG -> switch (format) {
                case FLOAT32 -> new Tolerance(1e-5, 1e-6, 10, 1e-5);
                case FLOAT64 -> new Tolerance(1e-12, 1e-13, 10, 1e-12);
                case FLOAT16 -> new Tolerance(2e-3, 1e-3, 2, 2e-3);
                case BFLOAT16 -> new Tolerance(1.6e-2, 8e-3, 2, 3e-2);
            };
            case GRADIENT -> switch (format) {
                case FLOAT32 -> new Tolerance(1e-5, 1e-4, 1e-30, NO_ROW_CHECK);
                case FLOAT64 -> new Tolerance(1e-12, 1e-9, 1e-290, NO_ROW_CHECK);
                case FLOAT16 -> new Tolerance(4e-3, 4e-3, 6.1e-5, NO_ROW_CHECK);
                case BFLOAT16 -> new Tolerance(3e-2, 3e-2, 1e-30, NO_ROW_CHECK);
            };
        };
    }

    /**
     * @param type the device's element type
     * @return its stated softmax tolerance
     */
    public static Tolerance of(ElementType type) {
        return of(type, Kind.SOFTMAX);
    }

    /**
     * @param device device value
     * @param reference reference value (finite)
     * @return whether the element is within tolerance
     */
    public boolean accepts(double device, double reference) {
        return accepts(device, reference, Math.abs(reference));
    }

    /**
     * @param device device value
     * @param reference reference value (finite)
     * @param magnitude what the relative error is taken of: |reference|, or for a gradient the size
     *     of the terms it is the difference of
     * @return whether the element is within tolerance
     */
    public boolean accepts(double device, double reference, double magnitude) {
        double err = Math.abs(device - reference);
        return err <= abs || (magnitude >= relFloor && err <= rel * magnitude);
    }
}
