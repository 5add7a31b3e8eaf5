/*
 * The oracle must itself be right: the article's examples to 9 significant digits, the non-finite
 * semantics row by row, independence of rows, and argument checks.
 */
package io.github.softmaxcl.reference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ReferenceSoftmaxTest {
    static final double NEG_INF = Double.NEGATIVE_INFINITY;

    static void assertSignificant(double expected, double actual, int digits) {
        double tol = Math.abs(expected) * Math.pow(10, 1 - digits) / 2;
        assertEquals(expected, actual, tol, "expected " + expected + " to " + digits + " digits");
    }

    @Test
    void articleExamplesToNineDigits() {
        double[] a = ReferenceSoftmax.softmax(new double[] {13, 31, 5}, 1, 3);
        assertSignificant(1.52299795e-08, a[0], 9);
        assertSignificant(9.99999985e-01, a[1], 9);
        assertSignificant(5.10908895e-12, a[2], 9);
        double[] b = ReferenceSoftmax.softmax(new double[] {0, 100, 0}, 1, 3);
        assertSignificant(3.72007598e-44, b[0], 9);
        assertEquals(1.0, b[1], 1e-15);
        assertSignificant(3.72007598e-44, b[2], 9);
    }

    @Test
    void nonFiniteSemanticsPerRow() {
        double[] x = {
            1, Double.NaN, 2, // NaN row
            1, Double.POSITIVE_INFINITY, 2, // +inf row
            NEG_INF, NEG_INF, NEG_INF, // all -inf
            NEG_INF, 0, NEG_INF, // masked: exactly 0 and 1
            1, 2, 3 // ordinary, unaffected by its neighbours
        };
        double[] y = ReferenceSoftmax.softmax(x, 5, 3);
        for (int i = 0; i < 9; i++) {
            assertTrue(Double.isNaN(y[i]), "element " + i + " should be NaN, got " + y[i]);
        }
        assertEquals(0.0, y[9]);
        assertEquals(1.0, y[10]);
        assertEquals(0.0, y[11]);
        double s = Math.exp(1) + Math.exp(2) + Math.exp(3);
        assertEquals(Math.exp(3) / s, y[14], 1e-15);
    }

    @Test
    void logRowIsStableAndMasksToMinusInfinity() {
        double[] out = new double[3];
        ReferenceSoftmax.logRow(new double[] {0, 1000, NEG_INF}, 3, out, 0);
        assertEquals(-1000.0, out[0], 1e-12);
        assertEquals(0.0, out[1], 1e-12);
        assertEquals(NEG_INF, out[2]);
    }

    @Test
    void pairwiseSumIsAccurateOnLongRows() {
        double[] a = new double[1 << 20];
        java.util.Arrays.fill(a, 0.1);
        assertEquals(104857.6, ReferenceSoftmax.pairwiseSum(a, 0, a.length), 1e-9);
    }

    @Test
    void floatInputIsComputedInDouble() {
        double[] y = ReferenceSoftmax.softmax(new float[] {13, 31, 5}, 1, 3);
        assertSignificant(1.52299795e-08, y[0], 9);
    }

    @Test
    void badArgumentsNameTheValue() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReferenceSoftmax.softmax(new double[5], 2, 3))
                .getMessage().contains("x.length=5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ReferenceSoftmax.softmax(new double[0], -1, 0))
                .getMessage().contains("rows=-1"));
        assertThrows(IllegalArgumentException.class, () -> ReferenceSoftmax.softmax((double[]) null, 1, 1));
    }
}
