/*
 * Rows per second of SoftmaxTransformer against the same softmax written in Spark SQL with
 * higher-order functions (aggregate for the row maximum and the sum of exponentials, transform for
 * the normalised row), on the same cached DataFrame in the same run. The two are interleaved, each
 * repeat in alternating order, and the medians reported; a scan of the cached rows that computes
 * nothing is timed alongside as the floor both pay. Both outputs are checked against the CPU
 * reference before anything is timed.
 */
package io.github.softmaxcl.spark;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * {@code java -cp ... io.github.softmaxcl.spark.SparkBench [--elements N] [--cols 10,100,1000]
 * [--repeats 5] [--partitions 2] [--master local[2]]}: for each row length, elements / length rows of
 * float32 logits; prints a Markdown table.
 */
public final class SparkBench {
    private static final StructType SCHEMA = new StructType()
            .add("id", DataTypes.LongType, false)
            .add("logits", DataTypes.createArrayType(DataTypes.FloatType, false), false);

    private SparkBench() {}

    /**
     * @param args see the class comment
     */
    public static void main(String[] args) {
        long elements = 20_000_000;
        int[] cols = {10, 100, 1000};
        int repeats = 5;
        int partitions = 2;
        String master = "local[2]";
        for (int i = 0; i + 1 < args.length; i += 2) {
            switch (args[i]) {
                case "--elements" -> elements = Long.parseLong(args[i + 1]);
                case "--cols" -> cols = Arrays.stream(args[i + 1].split(",")).mapToInt(Integer::parseInt).toArray();
                case "--repeats" -> repeats = Integer.parseInt(args[i + 1]);
                case "--partitions" -> partitions = Integer.parseInt(args[i + 1]);
                case "--master" -> master = args[i + 1];
                default -> throw new IllegalArgumentException("unknown argument '" + args[i] + "'");
            }
        }
        SparkSession spark = SparkSession.builder().master(master).appName("softmax-cl spark bench")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            System.out.printf("| rows x cols | partitions | scan only (rows/s) | SoftmaxTransformer (rows/s) "
                    + "| Spark SQL transform/aggregate (rows/s) | transformer / SQL |%n|---|---|---|---|---|---|%n");
            for (int c : cols) {
                bench(spark, elements / c, c, partitions, repeats);
            }
            System.out.println("devices: " + ExecutorEngines.openDevices() + " ("
                    + ExecutorEngines.forCurrentTask().device().name() + "), master " + master + ", medians of "
                    + repeats);
        } finally {
            spark.stop();
        }
    }

    private static void bench(SparkSession spark, long rows, int cols, int partitions, int repeats) {
        Dataset<Row> df = data(spark, rows, cols, partitions).cache();
        df.count();
        SoftmaxTransformer t = new SoftmaxTransformer().setInputCol("logits").setOutputCol("softmax");
        Dataset<Row> device = t.transform(df);
        Dataset<Row> sql = sqlSoftmax(df);
        for (Dataset<Row> out : List.of(device, sql)) {
            VerificationReport r = SoftmaxVerification.check(t, out, 200, 7);
            if (!r.passed()) {
                throw new IllegalStateException("a benchmarked softmax disagrees with the reference: " + r);
            }
        }
        List<Double> scan = new ArrayList<>();
        List<Double> a = new ArrayList<>();
        List<Double> b = new ArrayList<>();
        time(df); // warm-up: code generation, kernel builds, first touch
        time(device);
        time(sql);
        for (int i = 0; i < repeats; i++) {
            scan.add(rows / time(df));
            if (i % 2 == 0) {
                a.add(rows / time(device));
                b.add(rows / time(sql));
            } else {
                b.add(rows / time(sql));
                a.add(rows / time(device));
            }
        }
        double ma = median(a);
        double mb = median(b);
        System.out.printf("| %d x %d | %d | %.3g | %.3g | %.3g | %.2f |%n", rows, cols, partitions, median(scan), ma, mb,
                ma / mb);
        df.unpersist();
    }

    /**
     * Softmax in Spark SQL, three passes over each row as the library's reference makes them: the
     * maximum m (aggregate), the sum s of exp(x - m) (aggregate), then exp(x - m) / s (transform);
     * double arithmetic (Spark's exp), float output. Nested in one expression, so that m and s are
     * computed once per row: as separate columns, Spark's optimiser inlines them into the lambda and
     * recomputes them for every element. NaN sorts above every number in Spark SQL, so a NaN row's
     * maximum is NaN and its output NaN, as in the library.
     */
    static Dataset<Row> sqlSoftmax(Dataset<Row> df) {
        return df.withColumn("softmax", functions.expr("aggregate(logits, cast('-Infinity' as double), (m, v) -> greatest(m, v),"
                + " m -> aggregate(logits, 0D, (s, v) -> s + exp(v - m),"
                + " s -> transform(logits, v -> cast(exp(v - m) / s as float))))"));
    }

    private static double time(Dataset<Row> d) {
        long t0 = System.nanoTime();
        d.write().format("noop").mode("overwrite").save();
        return (System.nanoTime() - t0) / 1e9;
    }

    private static double median(List<Double> v) {
        double[] s = v.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
    }

    private static Dataset<Row> data(SparkSession spark, long rows, int cols, int partitions) {
        return ExampleData.fromIds(spark, rows, partitions, SCHEMA, id -> {
            Random r = new Random(id);
            Float[] x = new Float[cols];
            for (int i = 0; i < cols; i++) {
                x[i] = (float) (r.nextGaussian() * 4);
            }
            return RowFactory.create(id, scala.jdk.javaapi.CollectionConverters.asScala(Arrays.asList(x)).toSeq());
        });
    }
}
