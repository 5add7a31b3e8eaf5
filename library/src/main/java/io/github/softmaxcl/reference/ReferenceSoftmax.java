/*
 * The CPU reference: plain Java, double arithmetic, explicit handling of every non-finite case. It
 * is the oracle that every device kernel is checked against, so it favours clarity and accuracy
 * over speed: exponentials are summed pairwise (a tree, as on the device) in double precision.
 */
package io.github.softmaxcl.reference;

/**
 * Row-wise softmax in double precision.
 *
 * <p>Semantics: a row containing NaN or +inf becomes all NaN; a row whose entries are all -inf
 * becomes all NaN; otherwise -inf entries get exactly 0 and the rest exp(x - max) / sum.
 */
public final class ReferenceSoftmax {
    private ReferenceSoftmax() {}

    /**
     * @param x row-major {@code rows x cols} logits; not modified
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return the probabilities in double precision
     * @throws IllegalArgumentException if {@code x} is null or {@code rows * cols != x.length}
     */
    public static double[] softmax(double[] x, int rows, int cols) {
        check(x == null ? -1 : x.length, rows, cols);
        return rows(i -> x[i], x.length, rows, cols);
    }

    /**
     * Float input, computed and returned in double so a float device result can be compared to it.
     *
     * @param x row-major {@code rows x cols} logits; not modified
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return the probabilities in double precision
     * @throws IllegalArgumentException if {@code x} is null or {@code rows * cols != x.length}
     */
    public static double[] softmax(float[] x, int rows, int cols) {
        check(x == null ? -1 : x.length, rows, cols);
        return rows(i -> x[i], x.length, rows, cols);
    }

    private static double[] rows(java.util.function.IntToDoubleFunction x, int length, int rows, int cols) {
        double[] out = new double[length];
        double[] scratch = new double[cols];
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                scratch[c] = x.applyAsDouble(r * cols + c);
            }
            row(scratch, cols, out, r * cols);
        }
        return out;
    }

    private static void check(int length, int rows, int cols) {
        if (length < 0) {
            throw new IllegalArgumentException("x must not be null");
        }
        if (rows < 0 || cols < 0) {
            throw new IllegalArgumentException("rows and cols must be >= 0, got rows=" + rows + ", cols=" + cols);
        }
        if ((long) rows * cols != length) {
            throw new IllegalArgumentException("x.length=" + length + " does not equal rows * cols = " + rows
                    + " * " + cols);
        }
    }

    /**
     * Softmax of one row.
     *
     * @param x the row's values in {@code x[0..n)}; overwritten with exp(x - max) as scratch
     * @param n row length
     * @param out destination array
     * @param offset where the row starts in {@code out}
     */
    public static void row(double[] x, int n, double[] out, int offset) {
        double max = maxOrNaN(x, n);
        if (Double.isNaN(max)) {
            java.util.Arrays.fill(out, offset, offset + n, Double.NaN);
            return;
        }
        for (int i = 0; i < n; i++) {
            x[i] = x[i] == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp(x[i] - max);
        }
        double sum = pairwiseSum(x, 0, n);
        for (int i = 0; i < n; i++) {
            out[offset + i] = x[i] / sum;
        }
    }

    /**
     * Log-softmax of one row, computed directly (not as log of softmax): x - max - log(sum exp(x - max)).
     *
     * @param x the row's values; not modified
     * @param n row length
     * @param out destination array
     * @param offset where the row starts in {@code out}
     */
    public static void logRow(double[] x, int n, double[] out, int offset) {
        double max = maxOrNaN(x, n);
        if (Double.isNaN(max)) {
            java.util.Arrays.fill(out, offset, offset + n, Double.NaN);
            return;
        }
        double[] e = new double[n];
        for (int i = 0; i < n; i++) {
            e[i] = x[i] == Double.NEGATIVE_INFINITY ? 0.0 : Math.exp(x[i] - max);
        }
        double logSum = Math.log(pairwiseSum(e, 0, n));
        for (int i = 0; i < n; i++) {
            out[offset + i] = x[i] == Double.NEGATIVE_INFINITY ? Double.NEGATIVE_INFINITY : (x[i] - max) - logSum;
        }
    }

    /**
     * @param x values
     * @param n how many
     * @return the largest value, or NaN when the row becomes all NaN: it holds NaN or +inf, or
     *     nothing but -inf
     */
    private static double maxOrNaN(double[] x, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double v = x[i];
            if (Double.isNaN(v) || v == Double.POSITIVE_INFINITY) {
                return Double.NaN;
            }
            max = Math.max(max, v);
        }
        return max == Double.NEGATIVE_INFINITY ? Double.NaN : max;
    }

    /**
     * Pairwise (tree) summation: error grows with log(n), not n.
     *
     * @param a values
     * @param from first index
     * @param to one past the last index
     * @return the sum of {@code a[from..to)}
     */
    static double pairwiseSum(double[] a, int from, int to) {
        int n = to - from;
        if (n <= 16) {
            double s = 0;
            for (int i = from; i < to; i++) {
                s += a[i];
            }
            return s;
        }
        int mid = from + n / 2;
        return pairwiseSum(a, from, mid) + pairwiseSum(a, mid, to);
    }
}
