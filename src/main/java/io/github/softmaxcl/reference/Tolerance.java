/*
 * The accuracy contract, stated once per precision and used by every test and by `verify`.
 * An element passes when |device - reference| <= abs, or when the reference is at least relFloor in
 * magnitude and |device - reference| <= rel * |reference|. Each row that is not all NaN must also sum
 * to 1 within rowSum. Non-finite patterns must match exactly, and -inf inputs must give exactly 0.
 */
package io.github.softmaxcl.reference;

import io.github.softmaxcl.Precision;

/**
 * Tolerances for comparing a device result with the double-precision reference.
 *
 * @param abs absolute error allowed for any element (probability units)
 * @param rel relative error allowed for elements whose reference value is at least {@code relFloor}
 * @param relFloor smallest reference magnitude the relative test applies to
 * @param rowSum allowed |sum of a row - 1|
 */
public record Tolerance(double abs, double rel, double relFloor, double rowSum) {
    /** float32: 1e-6 absolute, 2e-5 relative for outputs &gt;= 1e-30, row sums within 1e-5. */
    public static final Tolerance FLOAT32 = new Tolerance(1e-6, 2e-5, 1e-30, 1e-5);
    /** float64: 1e-15 absolute, 1e-12 relative for outputs &gt;= 1e-290, row sums within 1e-12. */
    public static final Tolerance FLOAT64 = new Tolerance(1e-15, 1e-12, 1e-290, 1e-12);

    /**
     * @param precision the device precision
     * @return its stated tolerance
     */
    public static Tolerance of(Precision precision) {
        return precision == Precision.FLOAT32 ? FLOAT32 : FLOAT64;
    }

    /**
     * @param device device value
     * @param reference reference value (finite)
     * @return whether the element is within tolerance
     */
    public boolean accepts(double device, double reference) {
        double err = Math.abs(device - reference);
        return err <= abs || (Math.abs(reference) >= relFloor && err <= rel * Math.abs(reference));
    }
}
