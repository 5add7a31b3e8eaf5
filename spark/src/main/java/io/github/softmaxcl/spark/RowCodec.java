/*
 * How the per-partition batching reads a row's logits and mask and appends the result, for the two
 * row forms a transform can run on: Spark's external Rows (any column type, Vectors included) and
 * its internal rows (array columns read and written as whole primitive blocks; see
 * SoftmaxTransformer.transform for when each is used). Implementations are serialisable: Spark ships
 * them to the executors inside the task.
 */
package io.github.softmaxcl.spark;

import java.io.Serializable;

/**
 * Row access for {@link PartitionSoftmax}.
 *
 * @param <R> the row type
 */
interface RowCodec<R> extends Serializable {
    /**
     * @param row a row
     * @return its logits as a float[] (array&lt;float&gt;) or double[], or null when the value, or
     *     one of its elements, is null (the result is then null)
     */
    Object logits(R row);

    /**
     * @param row a row
     * @return one byte per entry of its mask, 1 = keep (only {@code true} keeps), or null for no mask
     */
    byte[] mask(R row);

    /**
     * @param row a row the source may reuse once the next row is read
     * @param logits what {@link #logits} returned for it
     * @return what the window keeps of the row until its result is ready
     */
    Object keep(R row, Object logits);

    /**
     * @param kept what {@link #keep} returned
     * @param result the result (float[], double[] or null)
     * @return the output row: the input's columns and the result
     */
    R output(Object kept, Object result);
}
