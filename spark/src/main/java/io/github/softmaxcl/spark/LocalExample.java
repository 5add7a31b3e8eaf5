/*
 * `./softmax spark-example`: the example job end to end in Spark local mode. It writes generated
 * logits (mixed lengths, masks, null, NaN, +inf and -inf rows) to Parquet, runs SoftmaxExample on
 * them exactly as spark-submit would, reads the output Parquet back, and checks every row against
 * the CPU reference (and that every id came through exactly once). Exit 0 only if all match.
 */
package io.github.softmaxcl.spark;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Comparator;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;

/** The example job in local mode, checked. */
public final class LocalExample {
    static final String USAGE = """
            usage: ./softmax spark-example [--rows N] [--partitions N] [--master M] [--devices SPECS] [--dir DIR]
                                           [--log] [--temperature T]
              --rows N          generated rows (default 200000)
              --partitions N    partitions of the generated data (default 4)
              --master M        Spark master (default local[2])
              --devices SPECS   spark.softmaxcl.devices, e.g. 0:0,0:1 (default: the default device)
              --dir DIR         where the Parquet files go (default: a temporary directory, deleted after)
              --log, --temperature T   as for the job""";

    private LocalExample() {}

    /**
     * @param args see {@link #USAGE}
     * @throws IOException if the working directory cannot be made or removed
     */
    public static void main(String[] args) throws IOException {
        long rows = 200_000;
        int partitions = 4;
        String master = "local[2]";
        String devices = null;
        Path dir = null;
        List<String> job = new ArrayList<>();
        try {
            for (int i = 0; i < args.length; i++) {
                String a = args[i];
                String v = i + 1 < args.length ? args[i + 1] : null;
                switch (a) {
                    case "--rows" -> rows = Long.parseLong(need(v, a, i++));
                    case "--partitions" -> partitions = Integer.parseInt(need(v, a, i++));
                    case "--master" -> master = need(v, a, i++);
                    case "--devices" -> devices = need(v, a, i++);
                    case "--dir" -> dir = Path.of(need(v, a, i++));
                    case "--log" -> job.add(a);
                    case "--temperature" -> job.addAll(List.of(a, need(v, a, i++)));
                    default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
                }
            }
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
        }
        boolean temporary = dir == null;
        Path work = temporary ? Files.createTempDirectory("softmax-cl-spark-example") : dir;
        SparkSession.Builder b = SparkSession.builder().master(master).appName("softmax-cl spark-example")
                .config("spark.ui.enabled", "false");
        if (devices != null) {
            b.config(DeviceMapping.DEVICES_CONF, devices);
        }
        SparkSession spark = b.getOrCreate();
        boolean ok;
        try {
            ok = run(spark, work, rows, partitions, job);
        } finally {
            spark.stop();
            if (temporary) {
                delete(work);
            }
        }
        System.exit(ok ? 0 : 1);
    }

    /**
     * @return whether every row matched the reference and came through exactly once
     */
    static boolean run(SparkSession spark, Path work, long rows, int partitions, List<String> jobOptions) throws IOException {
        String in = work.resolve("logits.parquet").toString();
        String out = work.resolve("softmax.parquet").toString();
        long t0 = System.nanoTime();
        ExampleData.generate(spark, rows, partitions, 2024).write().mode("overwrite").parquet(in);
        System.out.printf("generated %d rows of mixed lengths (masks, null, NaN, +inf and -inf rows) in %s (%.1f s)%n",
                rows, in, (System.nanoTime() - t0) / 1e9);
        List<String> args = new ArrayList<>(List.of("--input", in, "--output", out, "--mask-col", "keep", "--overwrite"));
        args.addAll(jobOptions);
        SoftmaxExample.Options o = SoftmaxExample.parse(args.toArray(String[]::new));
        t0 = System.nanoTime();
        SoftmaxExample.run(spark, o);
        System.out.printf("SoftmaxExample %s: done in %.1f s on %s%n", String.join(" ", args),
                (System.nanoTime() - t0) / 1e9, ExecutorEngines.openDevices());
        Dataset<Row> result = spark.read().parquet(out);
        VerificationReport r = SoftmaxVerification.check(o.transformer(), result, Integer.MAX_VALUE, 1);
        System.out.println(r);
        // Every id once: the output has as many rows as the input, and no id is missing or repeated.
        Row ids = result.agg(functions.count("id"), functions.countDistinct("id"), functions.min("id"),
                functions.max("id")).first();
        boolean complete = ids.getLong(0) == rows && ids.getLong(1) == rows
                && (rows == 0 || (ids.getLong(2) == 0 && ids.getLong(3) == rows - 1));
        System.out.println(complete ? "all " + rows + " ids present once" : "ids wrong: " + ids);
        boolean ok = r.passed() && complete && r.rows() == rows;
        System.out.println(ok ? "spark-example: PASS" : "spark-example: FAIL");
        return ok;
    }

    private static String need(String v, String name, int i) {
        if (v == null) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return v;
    }

    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
