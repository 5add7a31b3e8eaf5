/*
 * The transformer's settings as the executors need them: plain, serializable values resolved on the
 * driver (column positions, column kind, the op's parameters, batch size), so that the Spark
 * closure never carries the transformer or its Params.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.SoftmaxOp;
import java.io.Serializable;

/**
 * What to compute on each row, and where the row's columns are.
 *
 * @param input position of the logits column
 * @param mask position of the mask column, or -1
 * @param kind the logits column's type
 * @param log log-softmax instead of softmax
 * @param temperature T, finite and &gt; 0
 * @param maskedRows what rows with no finite unmasked entry become
 * @param batchSize most rows in one device call
 */
record RowOp(int input, int mask, LogitsColumn kind, boolean log, double temperature, MaskedRows maskedRows,
        int batchSize) implements Serializable {
    private static final long serialVersionUID = 1L;

    /** @return the library op (without a mask; a batch's mask is added per call) */
    SoftmaxOp op() {
        SoftmaxOp op = log ? SoftmaxOp.logSoftmax() : SoftmaxOp.softmax();
        if (temperature != 1.0) {
            op = op.withTemperature(temperature);
        }
        return op.withMaskedRows(maskedRows);
    }
}
