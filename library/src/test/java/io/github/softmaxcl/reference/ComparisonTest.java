/*
 * The comparison is what decides pass or fail everywhere, so it must fail when it should: an
 * element off by more than the tolerance, a NaN on one side only, a -inf input not giving 0,
 * a row that does not sum to 1.
 */
package io.github.softmaxcl.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxOp;
import org.junit.jupiter.api.Test;

class ComparisonTest {
    private static Comparison compare(double[] in, double[] dev, int rows, int cols, ElementType p) {
        double[] ref = ReferenceSoftmax.softmax(in, rows, cols);
        return Comparison.of(i -> in[(int) i], i -> dev[(int) i], i -> ref[(int) i], rows, cols, p);
    }

    @Test
    void exactResultPasses() {
        double[] in = {1, 2, 3, 4};
        Comparison c = compare(in, ReferenceSoftmax.softmax(in, 2, 2), 2, 2, ElementType.FLOAT64);
        assertTrue(c.passed(), c.toString());
        assertEquals(0, c.maxUlp());
    }

    @Test
    void elementOutsideToleranceFails() {
        double[] in = {1, 2, 3};
        double[] dev = ReferenceSoftmax.softmax(in, 1, 3);
        dev[1] += 1e-5; // 1e-5 absolute: above float32's 1e-6 abs and 2e-5 rel of ~0.24
        Comparison c = compare(in, dev, 1, 3, ElementType.FLOAT32);
        assertFalse(c.passed());
        assertEquals(1, c.failures());
        assertTrue(c.firstFailure().contains("col 1"), c.firstFailure());
    }

    @Test
    void oneSidedNaNFails() {
        double[] in = {1, Double.NaN};
        double[] dev = {0.5, 0.5};
        Comparison c = compare(in, dev, 1, 2, ElementType.FLOAT32);
        assertFalse(c.passed());
        assertEquals(2, c.nonFiniteMismatches());
    }

    @Test
    void maskedEntryMustBeExactlyZero() {
        double[] in = {0, Double.NEGATIVE_INFINITY};
        double[] dev = {1, 1e-40}; // within 1e-6 absolute, but a mask must give exactly 0
        Comparison c = compare(in, dev, 1, 2, ElementType.FLOAT32);
        assertFalse(c.passed());
        assertEquals(1, c.nonFiniteMismatches());
    }

    @Test
    void rowSumDeviationFails() {
        int n = 100;
        double[] in = new double[n];
        double[] dev = new double[n];
        java.util.Arrays.fill(dev, 0.01 + 5e-7); // each within 1e-6 absolute, the sum off by 5e-5
        Comparison c = compare(in, dev, 1, n, ElementType.FLOAT32);
        assertEquals(0, c.failures());
        assertFalse(c.passed(), c.toString());
    }

    /**
     * float16 log-probabilities of a 4096-wide uniform row are -8.3178 stored as -8.3203: exp of each
     * is 0.25% low, so the exact float16 result sums to 0.9975, past the 2e-3 row-sum tolerance. It
     * must pass; the same row one step up on every element (each still within tolerance) must not.
     */
    @Test
    void rowSumsAreMeasuredFromTheReferenceAsTheFormatStoresIt() {
        int n = 4096;
        double[] ref = new double[n];
        java.util.Arrays.fill(ref, -Math.log(n));
        double[] exact = new double[n];
        double[] off = new double[n];
        for (int i = 0; i < n; i++) {
            exact[i] = Comparison.rounded(ref[i], ElementType.FLOAT16);
            off[i] = nextHalf(exact[i]);
        }
        Comparison good = Comparison.of(i -> exact[(int) i], i -> ref[(int) i], 1, n, Tolerance.Kind.LOG,
                ElementType.FLOAT16, i -> false);
        assertTrue(good.passed(), good.toString());
        assertTrue(Math.abs(java.util.Arrays.stream(exact).map(Math::exp).sum() - 1) > 2e-3,
                "the exactly rounded row itself misses 1 by more than the tolerance");
        Comparison bad = Comparison.of(i -> off[(int) i], i -> ref[(int) i], 1, n, Tolerance.Kind.LOG,
                ElementType.FLOAT16, i -> false);
        assertEquals(0, bad.failures(), "each element is within tolerance");
        assertFalse(bad.passed(), "one more step on every element is a normalisation error: " + bad);
    }

    /**
     * Log-softmax's relative error is reported where its relative bound applies (|reference| >= abs /
     * rel, 10 in float32): an output of exactly 0 (log 1) or a rounding of a log-probability near 0
     * must not show as 0/0 or 100%, and a large one still counts.
     */
    @Test
    void logSoftmaxRelativeErrorOnlyWhereTheRelativeBoundApplies() {
        double[] ref = {0, -1e-9, -20}; // three rows of one: log(1), a log-probability near 0, a small one
        double[] dev = {-1e-7, 0, -20 * (1 + 1e-7)};
        Comparison c = Comparison.of(i -> dev[(int) i], i -> ref[(int) i], 3, 1, Tolerance.Kind.LOG,
                ElementType.FLOAT32, i -> false);
        assertTrue(c.passed(), c.toString());
        assertEquals(1e-7, c.maxRel(), 1e-12);
        assertEquals(2e-6, c.maxAbs(), 1e-12);
        assertFalse(c.toString().contains("NaN"), c.toString());
    }

    /** The next float16 value above v (v a float16 value). */
    private static double nextHalf(double v) {
        short h = io.github.softmaxcl.reference.Float16.fromFloat((float) v);
        return io.github.softmaxcl.reference.Float16.toFloat((short) (v < 0 ? h - 1 : h + 1));
    }

    @Test
    void ulpDistanceCountsRepresentableSteps() {
        assertEquals(1, Comparison.ulps(Math.nextUp(1.0f), 1.0, ElementType.FLOAT32));
        assertEquals(2, Comparison.ulps(Math.nextUp(Math.nextUp(0.5)), 0.5, ElementType.FLOAT64));
        assertEquals(2, Comparison.ulps(Float.MIN_VALUE, -Float.MIN_VALUE, ElementType.FLOAT32));
    }

    /**
     * A log-softmax gradient that cancels: dy_0 is within 1e-4 of p_0 sum dy, so dx_0 is about a
     * millionth of its terms (about 150). An error of 3e-5, far below the float32 rounding of those
     * terms, fails a tolerance taken of dx_0 itself but passes the stated one, taken of the terms;
     * an error of 0.1, above 1e-4 of them, fails.
     */
    @Test
    void gradientToleranceIsTakenOfItsTerms() {
        long[] shape = {1, 4};
        double[] logits = {2, 0, -1, 0.5};
        double[] p = ReferenceSoftmax.softmax(logits, 1, 4);
        double[] y = new double[4];
        for (int i = 0; i < 4; i++) {
            y[i] = Math.log(p[i]);
        }
        double others = 30 - 20 + 40;
        double[] dy = {p[0] * others / (1 - p[0]) + 1e-4, 30, -20, 40};
        SoftmaxOp log = SoftmaxOp.logSoftmax();
        double[] ref = ReferenceFamily.backward(y, dy, shape, -1, log);
        double[] mag = ReferenceFamily.backwardMagnitude(y, dy, shape, -1, log);
        assertTrue(Math.abs(ref[0]) < 1e-4 && mag[0] > 100, ref[0] + " of terms " + mag[0]);

        double[] close = ref.clone();
        close[0] += 3e-5;
        assertTrue(FamilyCheck.compareBackward(y, dy, close, shape, -1, ElementType.FLOAT32, log).passed());
        Comparison ofValue = Comparison.of(i -> close[(int) i], i -> ref[(int) i], 1, 4, Tolerance.Kind.GRADIENT,
                ElementType.FLOAT32, i -> false);
        assertFalse(ofValue.passed(), ofValue.toString());

        double[] wrong = ref.clone();
        wrong[0] += 0.1;
        Comparison c = FamilyCheck.compareBackward(y, dy, wrong, shape, -1, ElementType.FLOAT32, log);
        assertFalse(c.passed());
        assertEquals(1, c.failures());
    }
}
