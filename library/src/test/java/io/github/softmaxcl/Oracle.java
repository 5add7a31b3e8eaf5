/*
 * Test-side glue between a device result and the CPU reference: runs the reference, compares with
 * the stated tolerances (reference.Tolerance), and fails with a message that says what differed.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.ReferenceSoftmax;

final class Oracle {
    private Oracle() {}

    static Comparison check(float[] input, float[] device, int rows, int cols, String what) {
        double[] ref = ReferenceSoftmax.softmax(input, rows, cols);
        assertNonTrivial(ref, what);
        Comparison c = Comparison.of(i -> input[(int) i], i -> device[(int) i], i -> ref[(int) i], rows, cols,
                ElementType.FLOAT32);
        if (!c.passed()) {
            fail(what + ": " + c);
        }
        return c;
    }

    static Comparison check(double[] input, double[] device, int rows, int cols, String what) {
        double[] ref = ReferenceSoftmax.softmax(input, rows, cols);
        assertNonTrivial(ref, what);
        Comparison c = Comparison.of(i -> input[(int) i], i -> device[(int) i], i -> ref[(int) i], rows, cols,
                ElementType.FLOAT64);
        if (!c.passed()) {
            fail(what + ": " + c);
        }
        return c;
    }

    /** A comparison of outputs that are all ~0 (or all NaN) proves little; demand a real probability. */
    private static void assertNonTrivial(double[] ref, String what) {
        boolean allNaN = true;
        double max = 0;
        for (double v : ref) {
            if (!Double.isNaN(v)) {
                allNaN = false;
                max = Math.max(max, v);
            }
        }
        assertTrue(allNaN || max > 1e-4 || ref.length == 0, what + ": reference output is trivially small");
    }
}
