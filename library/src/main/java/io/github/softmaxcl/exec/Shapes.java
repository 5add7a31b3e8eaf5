/*
 * Shape arithmetic shared by host tensors, device tensors and problems: one place that checks
 * extents and the element count for overflow, with messages that show the shape.
 */
package io.github.softmaxcl.exec;

import java.util.Arrays;

/** Shape checks. */
public final class Shapes {
    private Shapes() {}

    /**
     * @param shape extents
     * @return a copy, after checking it has at least one axis and no negative extent
     * @throws IllegalArgumentException if not, or if the element count overflows a long
     */
    public static long[] check(long[] shape) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one axis, got "
                    + (shape == null ? "null" : "[]"));
        }
        for (int i = 0; i < shape.length; i++) {
            if (shape[i] < 0) {
                throw new IllegalArgumentException("shape[" + i + "] must be >= 0, got " + shape[i] + " in "
                        + Arrays.toString(shape));
            }
        }
        elements(shape);
        return shape.clone();
    }

    /**
     * @param shape extents, each &gt;= 0
     * @return their product
     * @throws IllegalArgumentException if it overflows a long
     */
    public static long elements(long[] shape) {
        long n = 1;
        try {
            for (long e : shape) {
                n = Math.multiplyExact(n, e);
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " has more elements than a long holds",
                    e);
        }
        return n;
    }
}
