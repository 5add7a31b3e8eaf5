/*
 * The JMH benchmark behind bench/jmh.sh: end-to-end row-wise softmax of float32 matrices, timed for
 * softmax-cl next to ONNX Runtime and DJL/PyTorch on the five default shapes. Every contender's
 * output is checked against the double-precision reference once per trial, before any timing, so
 * that nothing fast but wrong is ever reported.
 */
package io.github.softmaxcl.jmh;

import io.github.softmaxcl.bench.Shape;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import io.github.softmaxcl.reference.Tolerance;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Time of one end-to-end softmax call (float32 in, float32 out) per shape and contender, sampled so
 * that medians can be reported; bytes moved are {@code 2 x rows x cols x 4}.
 *
 * <p>Build and run everything, then print the table of medians, GB/s and ratios:
 * <pre>{@code bench/jmh.sh}</pre>
 * or by hand:
 * <pre>{@code
 * mvn -Pjmh -pl jmh -am -DskipTests package (from the repository root; then, in jmh/:)
 * java -jar target/benchmarks.jar -rf json -rff target/jmh.json
 * java -jar target/benchmarks.jar -p shape=4096x4096 -p contender=softmaxcl-array,ort-array
 * SOFTMAXCL_JMH_TIME_INACCURATE=1 bench/jmh.sh -p shape=64x262144   # time peers that miss the tolerance too
 * }</pre>
 *
 * <p>Each (shape, contender) pair runs in its own JVM: the native peers each start thread pools
 * and allocators that should not be competing with the next contender's. DJL is kept offline and
 * loads libtorch from the pytorch-native-cpu jar on the classpath (see the fork's properties).
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 2)
@Fork(value = 1, jvmArgsAppend = {
    "-Xms2g", "-Xmx8g", "-XX:MaxDirectMemorySize=4g",
    // DJL: never reach for the network; take PyTorch 2.7.1 (cpu) from the classpath jars.
    "-Dai.djl.offline=true", "-DPYTORCH_VERSION=2.7.1", "-DPYTORCH_FLAVOR=cpu"
})
public class SoftmaxBenchmark {
    /** ROWSxCOLS, float32. */
    @Param({"1000000x10", "100000x1000", "4096x4096", "64x262144", "1x16777216"})
    public String shape;

    /** Which implementation; see {@link Contender}. */
    @Param({Contender.SOFTMAX_CL_ARRAY, Contender.SOFTMAX_CL_DIRECT, Contender.SOFTMAX_CL_DEVICE, Contender.ORT_ARRAY,
            Contender.ORT_DIRECT,
            Contender.DJL_PYTORCH, Contender.JAVA_REFERENCE})
    public String contender;

    private Contender impl;

    /**
     * Generates the input, prepares the contender and checks one run of it against the reference.
     *
     * @throws Exception if the contender cannot be set up or its output is wrong
     */
    @Setup(Level.Trial)
    public void setUp() throws Exception {
        Shape s = Shape.parse(shape);
        float[] in = Inputs.floats(Inputs.Pattern.RANDOM, s.rows(), s.cols(), 20240611L);
        impl = Contender.create(contender, in, s.rows(), s.cols());
        impl.run();
        verify(contender, shape, impl, in, s.rows(), s.cols());
    }

    /**
     * Compares row by row so the reference never needs a second full-size double matrix. A wrong
     * result stops the trial, unless SOFTMAXCL_JMH_TIME_INACCURATE=1 asks to time it anyway (for
     * the record, when a peer misses the float32 tolerance): then the error goes to stderr and to
     * target/jmh-inaccurate.txt, which bench/jmh_table.py uses to flag the row.
     */
    static void verify(String contender, String shape, Contender impl, float[] in, int rows, int cols)
            throws IOException {
        Tolerance tol = Tolerance.FLOAT32;
        double[] row = new double[cols];
        double[] ref = new double[cols];
        long failures = 0;
        double maxAbs = 0;
        double maxRel = 0;
        String first = null;
        for (int r = 0; r < rows; r++) {
            int base = r * cols;
            for (int c = 0; c < cols; c++) {
                row[c] = in[base + c];
            }
            ReferenceSoftmax.row(row, cols, ref, 0);
            for (int c = 0; c < cols; c++) {
                double got = impl.output(base + c);
                if (!tol.accepts(got, ref[c])) {
                    failures++;
                    double err = Math.abs(got - ref[c]);
                    maxAbs = Math.max(maxAbs, err);
                    maxRel = Math.max(maxRel, err / Math.abs(ref[c]));
                    if (first == null) {
                        first = "row " + r + ", column " + c + ": got " + got + ", reference " + ref[c];
                    }
                }
            }
        }
        if (failures == 0) {
            return;
        }
        String summary = String.format(Locale.ROOT, "%s on %s misses the float32 tolerance (abs 1e-6, rel 2e-5 for"
                + " outputs >= 1e-30) at %d of %d elements, max abs error %.3g, max rel error %.3g; first at %s",
                contender, shape, failures, (long) rows * cols, maxAbs, maxRel, first);
        if (!"1".equals(System.getenv("SOFTMAXCL_JMH_TIME_INACCURATE"))) {
            throw new IllegalStateException(summary);
        }
        System.err.println("INACCURATE, timed anyway: " + summary);
        Path log = Path.of("target", "jmh-inaccurate.txt");
        Files.createDirectories(log.getParent());
        Files.writeString(log, contender + "\t" + shape + "\t" + summary + "\n",
                StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    /**
     * @return the result, consumed by JMH
     * @throws Exception if the contender fails
     */
    @Benchmark
    public Object softmax() throws Exception {
        return impl.run();
    }

    /**
     * Frees the contender's native resources.
     *
     * @throws Exception if closing fails
     */
    @TearDown(Level.Trial)
    public void tearDown() throws Exception {
        if (impl != null) {
            impl.close();
        }
    }
}
