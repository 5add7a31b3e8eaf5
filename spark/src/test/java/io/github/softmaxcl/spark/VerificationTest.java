/*
 * The verification step fails when it should: one element off by more than the tolerance, a null
 * where a result belongs, a result where the input was null, a masked entry that is not exactly 0;
 * and its sample is the size asked for.
 */
package io.github.softmaxcl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Iterator;
import java.util.List;
import java.util.Random;
import java.util.stream.IntStream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.junit.jupiter.api.Test;

class VerificationTest {
    private final SparkSession spark = LocalSpark.session();
    private final SoftmaxTransformer t = new SoftmaxTransformer().setMaskCol("keep");

    private Dataset<Row> output() {
        return t.transform(ExampleData.generate(spark, 4_000, 4, 31)).cache();
    }

    @Test
    void aSampleOfEachPartitionIsChecked() {
        VerificationReport r = SoftmaxVerification.verify(t, ExampleData.generate(spark, 4_000, 4, 31), 50, 3);
        assertTrue(r.passed(), r::toString);
        assertEquals(4, r.partitions());
        assertEquals(200, r.rows());
        assertThrows(IllegalArgumentException.class, () -> SoftmaxVerification.verify(t, output(), 0, 3));
    }

    @Test
    void oneElementOffFails() {
        // Row 7 is an ordinary row of the generated data; its first probability is scaled by 1.001.
        Dataset<Row> bad = output().withColumn("softmax", functions.expr(
                "case when id = 7 then transform(softmax, (v, i) -> if(i = 0, v * 1.001f + 1e-5f, v)) else softmax end"));
        VerificationReport r = SoftmaxVerification.check(t, bad, Integer.MAX_VALUE, 3);
        assertFalse(r.passed());
        assertEquals(1, r.failedRows(), r::toString);
        assertTrue(r.firstFailure().contains("FAIL"), r.firstFailure());
    }

    @Test
    void nullsInTheWrongPlaceFail() {
        Dataset<Row> out = output();
        long id = out.filter("softmax is not null").first().getLong(0);
        VerificationReport dropped = SoftmaxVerification.check(t,
                out.withColumn("softmax", functions.expr("case when id = " + id + " then null else softmax end")),
                Integer.MAX_VALUE, 3);
        assertEquals(1, dropped.failedRows(), dropped::toString);
        assertTrue(dropped.firstFailure().contains("output is null for a non-null input"), dropped.firstFailure());

        long nulls = out.filter("softmax is null").count();
        assertTrue(nulls > 0, "the generated data has null rows and rows with a null element");
        VerificationReport invented = SoftmaxVerification.check(t,
                out.withColumn("softmax", functions.expr("coalesce(softmax, array(1f))")), Integer.MAX_VALUE, 3);
        assertEquals(nulls, invented.failedRows(), invented::toString);
    }

    @Test
    void aMaskedEntryThatIsNotExactlyZeroFails() {
        Dataset<Row> out = output();
        long id = out.filter("keep is not null and exists(keep, k -> not k) and exists(keep, k -> k)"
                + " and not exists(logits, v -> isnan(v) or v is null)").first().getLong(0);
        Dataset<Row> bad = out.withColumn("softmax", functions.expr("case when id = " + id
                + " then zip_with(softmax, keep, (v, k) -> if(k, v, 1e-30f)) else softmax end"));
        VerificationReport r = SoftmaxVerification.check(t, bad, Integer.MAX_VALUE, 3);
        assertEquals(1, r.failedRows(), r::toString);
    }

    @Test
    void reservoirSamplingKeepsKRowsEachEquallyLikely() {
        int[] hits = new int[10];
        Random random = new Random(5);
        for (int trial = 0; trial < 20_000; trial++) {
            Iterator<Row> rows = IntStream.range(0, 10).mapToObj(i -> RowFactory.create(i)).iterator();
            List<Row> kept = SoftmaxVerification.sample(rows, 3, random);
            assertEquals(3, kept.size());
            kept.forEach(r -> hits[r.getInt(0)]++);
        }
        for (int h : hits) {
            assertEquals(6_000, h, 300); // 20,000 trials x 3/10
        }
    }
}
