/*
 * The transformer in local[2] Spark against the CPU reference: 100,000 generated rows of mixed
 * lengths with masks and every special row, on two devices; float64 and Vector columns with
 * log-softmax, temperature and the zero policy; small batches that split groups and windows; exact
 * results for null, empty, NaN, +inf and -inf rows; row order; schema errors.
 */
package io.github.softmaxcl.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.MaskedRows;
import java.util.Arrays;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.spark.SparkException;
import org.apache.spark.ml.linalg.SQLDataTypes;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

class SoftmaxTransformerTest {
    private final SparkSession spark = LocalSpark.session();

    @Test
    void hundredThousandRowsOfMixedLengthsOnTwoDevicesMatchTheReference() {
        Dataset<Row> df = ExampleData.generate(spark, 100_000, 4, 11);
        SoftmaxTransformer t = new SoftmaxTransformer().setMaskCol("keep");
        Dataset<Row> out = t.transform(df).cache();
        try {
            VerificationReport r = SoftmaxVerification.check(t, out, Integer.MAX_VALUE, 1);
            assertTrue(r.passed(), r::toString);
            assertEquals(100_000, r.rows());
            assertTrue(r.elements() > 10_000_000, r::toString);
            // Partitions 0 and 2 ran on 0:0, 1 and 3 on 0:1 (spark.softmaxcl.devices=0:0,0:1).
            assertTrue(ExecutorEngines.openDevices().containsAll(List.of("0:0", "0:1")),
                    () -> "devices used: " + ExecutorEngines.openDevices());
            long[] ids = out.select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList().stream()
                    .mapToLong(Long::longValue).toArray();
            assertArrayEquals(LongStream.range(0, 100_000).toArray(), ids, "rows leave in the order they came");
        } finally {
            out.unpersist();
        }
    }

    @Test
    void smallBatchesSplitLengthGroupsAndKeepOrder() {
        Dataset<Row> df = ExampleData.generate(spark, 2_000, 3, 12);
        SoftmaxTransformer t = new SoftmaxTransformer().setMaskCol("keep").setBatchSize(3).setLogSoftmax(true);
        VerificationReport r = SoftmaxVerification.verify(t, df, Integer.MAX_VALUE, 1);
        assertTrue(r.passed() && r.rows() == 2_000, r::toString);
        List<Long> ids = t.transform(df).select("id").as(org.apache.spark.sql.Encoders.LONG()).collectAsList();
        assertEquals(LongStream.range(0, 2_000).boxed().toList(), ids);
    }

    @Test
    void doubleColumnsWithLogTemperatureAndZeroPolicyMatchTheReference() {
        Dataset<Row> df = ExampleData.generate(spark, 20_000, 2, 13)
                .withColumn("logits", functions.col("logits").cast("array<double>"));
        SoftmaxTransformer t = new SoftmaxTransformer().setMaskCol("keep").setLogSoftmax(true).setTemperature(0.7)
                .setMaskedRows(MaskedRows.ZERO).setOutputCol("logp");
        assertEquals(DataTypes.createArrayType(DataTypes.DoubleType, false),
                t.transformSchema(df.schema()).apply("logp").dataType());
        VerificationReport r = SoftmaxVerification.verify(t, df, Integer.MAX_VALUE, 1);
        assertTrue(r.passed() && r.rows() == 20_000, r::toString);
    }

    @Test
    void vectorColumnsMatchTheReference() {
        // Vectors hold no nulls: rows with a null element are left out, null rows stay.
        Dataset<Row> df = ExampleData.generate(spark, 20_000, 2, 14)
                .filter("logits is null or not exists(logits, v -> v is null)")
                .withColumn("logits", functions.when(functions.col("logits").isNull(), functions.lit(null))
                        .otherwise(org.apache.spark.ml.functions.array_to_vector(functions.col("logits"))));
        SoftmaxTransformer t = new SoftmaxTransformer().setMaskCol("keep").setTemperature(2.5);
        assertEquals(SQLDataTypes.VectorType(), t.transformSchema(df.schema()).apply("softmax").dataType());
        VerificationReport r = SoftmaxVerification.verify(t, df, Integer.MAX_VALUE, 1);
        assertTrue(r.passed() && r.rows() > 19_000, r::toString);
    }

    @Test
    void nullEmptyNaNAndInfiniteRowsFollowTheLibrary() {
        float inf = Float.POSITIVE_INFINITY;
        StructType schema = new StructType().add("x", DataTypes.createArrayType(DataTypes.FloatType, true))
                .add("keep", DataTypes.createArrayType(DataTypes.BooleanType, true));
        List<Row> rows = List.of(
                RowFactory.create(null, null),
                RowFactory.create(seq(1f, null, 2f), null),
                RowFactory.create(seq(), null),
                RowFactory.create(seq(Float.NaN, 1f, 2f), null),
                RowFactory.create(seq(inf, 1f), null),
                RowFactory.create(seq(-inf, -inf), null),
                RowFactory.create(seq(-inf, 0f), null),
                RowFactory.create(seq(3f, 1f), seq(false, false)),
                RowFactory.create(seq(3f, 1f, 0f), seq(true, null, false)),
                RowFactory.create(seq(0f, 0f), null));
        Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(1);
        for (MaskedRows policy : MaskedRows.values()) {
            for (boolean log : new boolean[] {false, true}) {
                List<Row> out = new SoftmaxTransformer().setInputCol("x").setOutputCol("y").setMaskCol("keep")
                        .setMaskedRows(policy).setLogSoftmax(log).transform(df).collectAsList();
                float masked = log ? -inf : 0f;
                float empty = policy == MaskedRows.ZERO ? masked : Float.NaN;
                assertNull(out.get(0).get(2), "null row");
                assertNull(out.get(1).get(2), "null element");
                assertArrayEquals(new float[0], floats(out.get(2)), "empty row");
                assertArrayEquals(new float[] {Float.NaN, Float.NaN, Float.NaN}, floats(out.get(3)), "NaN row");
                assertArrayEquals(new float[] {Float.NaN, Float.NaN}, floats(out.get(4)), "+inf row");
                assertArrayEquals(new float[] {empty, empty}, floats(out.get(5)), "all -inf, " + policy);
                assertArrayEquals(new float[] {masked, log ? 0f : 1f}, floats(out.get(6)), "some -inf");
                assertArrayEquals(new float[] {empty, empty}, floats(out.get(7)), "fully masked, " + policy);
                assertArrayEquals(new float[] {log ? 0f : 1f, masked, masked}, floats(out.get(8)), "null mask entry masks");
                float half = log ? (float) Math.log(0.5) : 0.5f;
                assertArrayEquals(new float[] {half, half}, floats(out.get(9)), 1e-6f, "uniform");
            }
        }
    }

    @Test
    void otherColumnsPassThroughUnchanged() {
        Dataset<Row> df = ExampleData.generate(spark, 2_000, 2, 15).withColumn("tag", functions.expr("concat('r', id)"));
        Dataset<Row> out = new SoftmaxTransformer().transform(df);
        assertEquals(Arrays.asList(df.columns()), Arrays.asList(out.columns()).subList(0, 4));
        assertEquals(0, df.exceptAll(out.drop("softmax")).count());
    }

    @Test
    void badColumnsAreRefusedNamingThem() {
        Dataset<Row> df = ExampleData.generate(spark, 10, 1, 16).withColumn("ints", functions.expr("array(1, 2)"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new SoftmaxTransformer().setInputCol("ints").transform(df));
        assertTrue(e.getMessage().contains("'ints'") && e.getMessage().contains("array<int>"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxTransformer().setInputCol("nope").transform(df));
        assertTrue(e.getMessage().contains("'nope' does not exist"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxTransformer().setOutputCol("id").transform(df));
        assertTrue(e.getMessage().contains("'id' already exists"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new SoftmaxTransformer().setMaskCol("ints").transform(df));
        assertTrue(e.getMessage().contains("mask column 'ints'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxTransformer().setTemperature(0));
        assertThrows(IllegalArgumentException.class, () -> new SoftmaxTransformer().setBatchSize(0));

        Dataset<Row> shortMask = spark.sql("select array(1f, 2f, 3f) as logits, array(true) as keep");
        SparkException s = assertThrows(SparkException.class,
                () -> new SoftmaxTransformer().setMaskCol("keep").transform(shortMask).collect());
        assertTrue(rootMessage(s).contains("a row of 3 logits has a mask of 1 entries"), rootMessage(s));
    }

    static scala.collection.immutable.Seq<Object> seq(Object... v) {
        return scala.jdk.javaapi.CollectionConverters.asScala(Arrays.asList(v)).toSeq();
    }

    static float[] floats(Row r) {
        scala.collection.Seq<?> s = r.getSeq(r.length() - 1);
        float[] f = new float[s.length()];
        for (int i = 0; i < f.length; i++) {
            f[i] = (Float) s.apply(i);
        }
        return f;
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null) {
            t = t.getCause();
        }
        return t.getMessage();
    }
}
