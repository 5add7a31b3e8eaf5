/*
 * Checks one output row of the transformer against the library's CPU reference, and sums many such
 * checks into the figures a user reads: rows checked and failed, worst absolute and relative error,
 * worst row-sum deviation, the first failure. The tolerances are the library's, for the element type
 * the row was computed in. Null handling is checked too: the output is null exactly when the input
 * row or one of its elements is null.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.ReferenceFamily;
import io.github.softmaxcl.reference.Tolerance;
import java.io.Serializable;
import org.apache.spark.ml.linalg.Vector;
import org.apache.spark.sql.Row;

/** Accumulated reference checks of output rows. */
final class RowCheck implements Serializable {
    private static final long serialVersionUID = 1L;

    long rows;
    long failedRows;
    long elements;
    double maxAbs;
    double maxRel;
    double maxRowSum;
    String firstFailure = "";

    /**
     * Checks one row of a transformed dataset.
     *
     * @param row a row holding the input (and mask) columns at the positions of {@code spec}
     * @param output the output column's position
     * @param spec what was computed
     */
    void check(Row row, int output, RowOp spec) {
        rows++;
        Object x = spec.kind().read(row.get(spec.input()));
        Object y = row.get(output);
        if (x == null || y == null) {
            if ((x == null) != (y == null)) {
                fail(row, spec.input(), x == null ? "null input gave a non-null output" : "output is null for a non-null input");
            }
            return;
        }
        double[] in = doubles(x);
        double[] out = y instanceof Vector v ? v.toArray() : doubles(spec.kind().read(y));
        if (out == null || out.length != in.length) {
            fail(row, spec.input(), "output has " + (out == null ? "a null element" : out.length + " elements") + " for "
                    + in.length + " logits");
            return;
        }
        byte[] mask = spec.mask() < 0 ? null : LogitsColumn.readMask(row.get(spec.mask()));
        Comparison c = compare(in, mask, out, spec);
        elements += c.elements();
        maxAbs = Math.max(maxAbs, c.maxAbs());
        maxRel = Math.max(maxRel, c.maxRel());
        maxRowSum = Math.max(maxRowSum, c.maxRowSumDeviation());
        if (!c.passed()) {
            fail(row, spec.input(), c.toString());
        }
    }

    /**
     * @param x one row of logits
     * @param mask one byte per logit, 0 = masked, or null
     * @param device the transformer's output for the row
     * @param spec the op
     * @return the comparison with the reference, under the library's tolerance for the row's element type
     */
    static Comparison compare(double[] x, byte[] mask, double[] device, RowOp spec) {
        ElementType type = spec.kind().elementType();
        SoftmaxOp op = spec.op();
        double[] z = ReferenceFamily.scaled(x, op, type);
        double[] ref = ReferenceFamily.forward(z, new long[] {1, x.length}, -1, op, mask);
        return Comparison.of(i -> device[(int) i], i -> ref[(int) i], 1, x.length,
                op.isLog() ? Tolerance.Kind.LOG : Tolerance.Kind.SOFTMAX, type,
                i -> x[(int) i] == Double.NEGATIVE_INFINITY || (mask != null && mask[(int) i] == 0));
    }

    private void fail(Row row, int inputColumn, String why) {
        failedRows++;
        if (firstFailure.isEmpty()) {
            String input = String.valueOf(row.get(inputColumn));
            firstFailure = why + " (input " + (input.length() > 200 ? input.substring(0, 200) + "..." : input) + ")";
        }
    }

    /**
     * @param other checks to add to these
     * @return this
     */
    RowCheck merge(RowCheck other) {
        rows += other.rows;
        failedRows += other.failedRows;
        elements += other.elements;
        maxAbs = Math.max(maxAbs, other.maxAbs);
        maxRel = Math.max(maxRel, other.maxRel);
        maxRowSum = Math.max(maxRowSum, other.maxRowSum);
        if (firstFailure.isEmpty()) {
            firstFailure = other.firstFailure;
        }
        return this;
    }

    private static double[] doubles(Object values) {
        if (values == null || values instanceof double[]) {
            return (double[]) values;
        }
        float[] f = (float[]) values;
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
