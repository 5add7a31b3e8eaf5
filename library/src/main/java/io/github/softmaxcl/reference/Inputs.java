/*
 * Seeded generators of logits for checking kernels: ordinary random rows and the adversarial ones
 * that break naive implementations (outliers, huge and tiny spreads, -inf masks, NaN and +inf rows,
 * rows that are all -inf, near-uniform rows). Tests and the `verify` command draw from the same
 * patterns, so what CI checks is what a user can re-run on their own device.
 */
package io.github.softmaxcl.reference;

import java.util.SplittableRandom;

/** Deterministic input patterns. */
public final class Inputs {
    private Inputs() {}

    /** A kind of input. */
    public enum Pattern {
        /** Normal(0, 3). */
        RANDOM,
        /** Normal(0, 1) with about 1% of entries multiplied by 20. */
        OUTLIERS,
        /** Normal(0, 1) scaled by 1e-6: almost uniform rows. */
        NEAR_UNIFORM,
        /** Uniform in [-1e4, 1e4]: one entry dominates, the rest underflow to 0. */
        HUGE_SPREAD,
        /** Normal(0, 3) with about 30% of entries set to -inf (at least one finite entry per row). */
        MASKED,
        /**
         * Each row drawn from a cycle of kinds: random, NaN somewhere, +inf somewhere, all -inf,
         * mostly -inf, outliers, near-uniform, huge spread. Rows of every kind sit side by side so a
         * bad row that leaks into its neighbours is caught.
         */
        ADVERSARIAL
    }

    /**
     * @param pattern the kind of input
     * @param rows rows
     * @param cols row length
     * @param seed the random seed
     * @return row-major logits
     * @throws IllegalArgumentException if {@code rows * cols} does not fit in an array
     */
    public static double[] doubles(Pattern pattern, int rows, int cols, long seed) {
        long n = (long) rows * cols;
        if (rows < 0 || cols < 0 || n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("cannot generate " + rows + " x " + cols + " values");
        }
        double[] x = new double[(int) n];
        SplittableRandom rnd = new SplittableRandom(seed);
        for (int r = 0; r < rows; r++) {
            Pattern p = pattern == Pattern.ADVERSARIAL ? null : pattern;
            fillRow(x, r * cols, cols, p, r, rnd);
        }
        return x;
    }

    /**
     * @param pattern the kind of input
     * @param rows rows
     * @param cols row length
     * @param seed the random seed
     * @return row-major logits rounded to float
     */
    public static float[] floats(Pattern pattern, int rows, int cols, long seed) {
        double[] d = doubles(pattern, rows, cols, seed);
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }

    private static void fillRow(double[] x, int off, int n, Pattern p, int row, SplittableRandom rnd) {
        if (p == null) {
            fillAdversarial(x, off, n, row % 8, rnd);
            return;
        }
        switch (p) {
            case RANDOM -> normal(x, off, n, 3, rnd);
            case OUTLIERS -> {
                normal(x, off, n, 1, rnd);
                for (int i = 0; i < n; i++) {
                    if (rnd.nextInt(100) == 0) {
                        x[off + i] *= 20;
                    }
                }
            }
            case NEAR_UNIFORM -> normal(x, off, n, 1e-6, rnd);
            case HUGE_SPREAD -> {
                for (int i = 0; i < n; i++) {
                    x[off + i] = rnd.nextDouble(-1e4, 1e4);
                }
            }
            case MASKED -> {
                normal(x, off, n, 3, rnd);
                int keep = rnd.nextInt(n);
                for (int i = 0; i < n; i++) {
                    if (i != keep && rnd.nextInt(10) < 3) {
                        x[off + i] = Double.NEGATIVE_INFINITY;
                    }
                }
            }
            default -> throw new IllegalStateException("unhandled pattern " + p);
        }
    }

    private static void fillAdversarial(double[] x, int off, int n, int kind, SplittableRandom rnd) {
        switch (kind) {
            case 0 -> fillRow(x, off, n, Pattern.RANDOM, 0, rnd);
            case 1 -> {
                fillRow(x, off, n, Pattern.RANDOM, 0, rnd);
                x[off + rnd.nextInt(n)] = Double.NaN;
            }
            case 2 -> {
                fillRow(x, off, n, Pattern.RANDOM, 0, rnd);
                x[off + rnd.nextInt(n)] = Double.POSITIVE_INFINITY;
            }
            case 3 -> {
                for (int i = 0; i < n; i++) {
                    x[off + i] = Double.NEGATIVE_INFINITY;
                }
            }
            case 4 -> {
                // Everything masked but the last entry: the max arrives at the very end of the row.
                for (int i = 0; i < n; i++) {
                    x[off + i] = Double.NEGATIVE_INFINITY;
                }
                x[off + n - 1] = rnd.nextDouble(-50, 50);
            }
            case 5 -> fillRow(x, off, n, Pattern.OUTLIERS, 0, rnd);
            case 6 -> fillRow(x, off, n, Pattern.NEAR_UNIFORM, 0, rnd);
            default -> fillRow(x, off, n, Pattern.HUGE_SPREAD, 0, rnd);
        }
    }

    private static void normal(double[] x, int off, int n, double sigma, SplittableRandom rnd) {
        for (int i = 0; i < n; i += 2) {
            // Box-Muller: two normals from two uniforms, reproducible across JVMs unlike nextGaussian.
            double u1 = 1.0 - rnd.nextDouble();
            double u2 = rnd.nextDouble();
            double rad = Math.sqrt(-2 * Math.log(u1));
            x[off + i] = sigma * rad * Math.cos(2 * Math.PI * u2);
            if (i + 1 < n) {
                x[off + i + 1] = sigma * rad * Math.sin(2 * Math.PI * u2);
            }
        }
    }
}
