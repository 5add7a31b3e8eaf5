/*
 * Verification a user can run on the cluster itself: the transformer runs on every row as it would
 * in the job (same batching, same devices), and a seeded reservoir sample of rows from each
 * partition is checked on the executors against the library's CPU reference. Only one small
 * summary per partition travels to the driver.
 */
package io.github.softmaxcl.spark;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Reference checks of a sample of output rows per partition.
 *
 * <pre>{@code
 * VerificationReport r = SoftmaxVerification.verify(softmax, logits, 1000, 42);
 * System.out.println(r);           // PASS: 64000 rows (...) checked against the CPU reference, 0 failed; max abs ...
 * if (!r.passed()) { ... }
 * }</pre>
 */
public final class SoftmaxVerification {
    private SoftmaxVerification() {}

    /**
     * Runs the transformer on {@code input} and checks a sample of its output.
     *
     * @param transformer the transformer, as the job uses it
     * @param input the job's input (or a part of it)
     * @param rowsPerPartition rows checked per partition (all rows of smaller partitions), &gt; 0
     * @param seed the sampling seed
     * @return the aggregated checks
     * @throws IllegalArgumentException if a column is missing or of the wrong type, or
     *     {@code rowsPerPartition} is not positive
     */
    public static VerificationReport verify(SoftmaxTransformer transformer, Dataset<?> input, int rowsPerPartition,
            long seed) {
        return check(transformer, transformer.transform(input), rowsPerPartition, seed);
    }

    /**
     * Checks an already transformed dataset (for instance the job's output read back), which must
     * hold the transformer's input column, its mask column if it has one, and its output column.
     *
     * @param transformer the transformer that produced {@code output}
     * @param output the transformed rows
     * @param rowsPerPartition rows checked per partition, &gt; 0
     * @param seed the sampling seed
     * @return the aggregated checks
     * @throws IllegalArgumentException if a column is missing or of the wrong type, or
     *     {@code rowsPerPartition} is not positive
     */
    public static VerificationReport check(SoftmaxTransformer transformer, Dataset<?> output, int rowsPerPartition,
            long seed) {
        if (rowsPerPartition <= 0) {
            throw new IllegalArgumentException("rowsPerPartition must be > 0, got " + rowsPerPartition);
        }
        Dataset<Row> df = output.toDF();
        List<String> names = List.of(df.schema().fieldNames());
        int out = names.indexOf(transformer.getOutputCol());
        if (out < 0) {
            throw new IllegalArgumentException("output column '" + transformer.getOutputCol() + "' does not exist; columns: "
                    + names);
        }
        RowOp spec = transformer.resolve(df.drop(transformer.getOutputCol()).schema());
        int outIndex = out;
        RowOp shifted = new RowOp(shift(spec.input(), out), spec.mask() < 0 ? -1 : shift(spec.mask(), out),
                spec.kind(), spec.log(), spec.temperature(), spec.maskedRows(), spec.batchSize());
        List<RowCheck> parts = df.javaRDD().mapPartitionsWithIndex((p, rows) -> {
            RowCheck c = new RowCheck();
            for (Row r : sample(rows, rowsPerPartition, new Random(seed * 1_000_003L + p))) {
                c.check(r, outIndex, shifted);
            }
            return List.of(c).iterator();
        }, false).collect();
        RowCheck all = new RowCheck();
        parts.forEach(all::merge);
        return new VerificationReport(parts.size(), all.rows, all.elements, all.failedRows, all.maxAbs, all.maxRel,
                all.maxRowSum, all.firstFailure);
    }

    /** A column's position in the full schema, given its position without the output column. */
    private static int shift(int i, int output) {
        return i >= output ? i + 1 : i;
    }

    /** Reservoir sampling (algorithm R): every row equally likely, one pass, k rows held. */
    static List<Row> sample(Iterator<Row> rows, int k, Random random) {
        List<Row> kept = new ArrayList<>();
        long seen = 0;
        while (rows.hasNext()) {
            Row r = rows.next();
            seen++;
            if (kept.size() < k) {
                kept.add(r);
            } else {
                long j = (long) (random.nextDouble() * seen);
                if (j < k) {
                    kept.set((int) j, r);
                }
            }
        }
        return kept;
    }
}
