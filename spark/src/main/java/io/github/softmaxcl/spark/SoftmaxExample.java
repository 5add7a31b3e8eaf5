/*
 * The example job, for spark-submit: reads logits from Parquet, appends their softmax with
 * SoftmaxTransformer, writes Parquet, and (with --verify-rows) reads its output back and checks a
 * sample of rows per partition against the CPU reference, exiting 1 if any fails. LocalExample runs
 * the same job in local mode on generated data (./softmax spark-example).
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.MaskedRows;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * {@code spark-submit --class io.github.softmaxcl.spark.SoftmaxExample softmax-cl-spark-VERSION-job.jar
 * --input IN.parquet --output OUT.parquet [options]}.
 */
public final class SoftmaxExample {
    static final String USAGE = """
            usage: SoftmaxExample --input IN.parquet --output OUT.parquet [options]
              --input-col C      logits column: array<float>, array<double> or Vector (default logits)
              --output-col C     output column (default softmax)
              --mask-col C       array<boolean> mask column, true = keep (default: none)
              --log              log-softmax
              --temperature T    softmax of logits / T (default 1)
              --masked-rows P    nan (default) or zero: what rows with nothing unmasked become
              --batch-size N     most rows in one device call (default 8192)
              --overwrite        replace OUT.parquet if it exists
              --verify-rows N    read OUT.parquet back and check N rows per partition against the CPU
                                 reference (default 0: no check); exit 1 if any fails
              --save-model DIR   also save the transformer (SoftmaxTransformer.load reads it)""";

    /** The job's options. */
    record Options(String input, String output, SoftmaxTransformer transformer, boolean overwrite, int verifyRows,
            String saveModel) {}

    private SoftmaxExample() {}

    /**
     * @param args see {@link #USAGE}
     * @throws Exception if the job fails
     */
    public static void main(String[] args) throws Exception {
        Options o;
        try {
            o = parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println(e.getMessage());
            System.err.println(USAGE);
            System.exit(2);
            return;
        }
        SparkSession spark = SparkSession.builder().appName("softmax-cl example").getOrCreate();
        boolean ok;
        try {
            ok = run(spark, o);
        } finally {
            spark.stop();
        }
        System.exit(ok ? 0 : 1);
    }

    /**
     * Runs the job.
     *
     * @param spark the session
     * @param o the options
     * @return false only if the verification ran and failed
     * @throws java.io.IOException if the model cannot be saved
     */
    static boolean run(SparkSession spark, Options o) throws java.io.IOException {
        Dataset<Row> in = spark.read().parquet(o.input());
        var writer = o.transformer().transform(in).write();
        writer.mode(o.overwrite() ? "overwrite" : "errorifexists").parquet(o.output());
        if (o.saveModel() != null) {
            o.transformer().write().overwrite().save(o.saveModel());
        }
        if (o.verifyRows() <= 0) {
            return true;
        }
        VerificationReport r = SoftmaxVerification.check(o.transformer(), spark.read().parquet(o.output()),
                o.verifyRows(), 1);
        System.out.println(r);
        return r.passed();
    }

    /**
     * @param args the command line
     * @return the options
     * @throws IllegalArgumentException naming a missing or bad argument
     */
    static Options parse(String[] args) {
        SoftmaxTransformer t = new SoftmaxTransformer();
        String input = null;
        String output = null;
        boolean overwrite = false;
        int verify = 0;
        String model = null;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--input" -> input = value(args, ++i, a);
                case "--output" -> output = value(args, ++i, a);
                case "--input-col" -> t.setInputCol(value(args, ++i, a));
                case "--output-col" -> t.setOutputCol(value(args, ++i, a));
                case "--mask-col" -> t.setMaskCol(value(args, ++i, a));
                case "--log" -> t.setLogSoftmax(true);
                case "--temperature" -> t.setTemperature(number(args, ++i, a));
                case "--masked-rows" -> t.setMaskedRows(maskedRows(value(args, ++i, a)));
                case "--batch-size" -> t.setBatchSize(integer(args, ++i, a));
                case "--overwrite" -> overwrite = true;
                case "--verify-rows" -> verify = integer(args, ++i, a);
                case "--save-model" -> model = value(args, ++i, a);
                default -> throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
        }
        if (input == null || output == null) {
            throw new IllegalArgumentException("--input and --output are required");
        }
        return new Options(input, output, t, overwrite, verify, model);
    }

    private static String value(String[] args, int i, String name) {
        if (i >= args.length) {
            throw new IllegalArgumentException(name + " needs a value");
        }
        return args[i];
    }

    private static double number(String[] args, int i, String name) {
        String v = value(args, i, name);
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a number, got '" + v + "'");
        }
    }

    private static int integer(String[] args, int i, String name) {
        String v = value(args, i, name);
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(name + " needs a whole number, got '" + v + "'");
        }
    }

    private static MaskedRows maskedRows(String v) {
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "nan" -> MaskedRows.NAN;
            case "zero" -> MaskedRows.ZERO;
            default -> throw new IllegalArgumentException("--masked-rows must be nan or zero, got '" + v + "'");
        };
    }
}
