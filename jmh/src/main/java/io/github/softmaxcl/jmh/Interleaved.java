/*
 * Same-run ratios on a shared, noisy machine: contenders' calls alternate one by one in one JVM
 * (their order rotating every round), so a change of load hits all of them alike, and the median of
 * the per-round time ratios says which is faster more robustly than medians taken minutes apart in
 * separate JMH forks. Every contender is checked against the reference first, as in SoftmaxBenchmark.
 * ONNX Runtime's idle workers do not spin here (they would take the cores from the next call).
 * Besides wall time, each call's CPU time is recorded, summed over every thread of the process,
 * native ones included, from the scheduler's nanosecond counters (/proc/self/task/N/schedstat on
 * Linux; less the cost of reading them, measured the same way around no call):
 * when other processes take the cores, a call's wall time grows by however long its threads wait,
 * more so for a static split of the work over threads (ONNX Runtime) than for many small
 * work-groups (PoCL), while its CPU time stays what the work costs; with 2 cores the CPU time of a
 * call on a quiet machine is about twice its wall time for both.
 *
 * java -cp jmh/target/benchmarks.jar io.github.softmaxcl.jmh.Interleaved [--rounds N] [--shape RxC ...]
 *      [--contender NAME ...]   (defaults: 31 rounds, the five default shapes, softmaxcl-device and ort-direct)
 */
package io.github.softmaxcl.jmh;

import io.github.softmaxcl.bench.Shape;
import io.github.softmaxcl.reference.Inputs;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;

/** Alternating timing of contenders, reported as medians and median ratios to the first contender. */
public final class Interleaved {
    private Interleaved() {}

    /**
     * @param args options, see the file comment
     * @throws Exception if a contender cannot be set up, fails or is inaccurate
     */
    public static void main(String[] args) throws Exception {
        int rounds = 31;
        List<String> shapes = new ArrayList<>();
        List<String> names = new ArrayList<>();
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--rounds" -> rounds = Integer.parseInt(args[++i]);
                case "--shape" -> shapes.add(args[++i]);
                case "--contender" -> names.add(args[++i]);
                default -> throw new IllegalArgumentException("unknown option '" + args[i] + "'");
            }
        }
        if (rounds < 3) {
            throw new IllegalArgumentException("--rounds must be at least 3, got " + rounds);
        }
        if (shapes.isEmpty()) {
            shapes = List.of("1000000x10", "100000x1000", "4096x4096", "64x262144", "1x16777216");
        }
        if (names.isEmpty()) {
            names = List.of(Contender.SOFTMAX_CL_DEVICE, Contender.ORT_DIRECT);
        }
        System.out.printf(Locale.ROOT, "%-12s %-18s %9s %8s %22s %9s %22s%n", "shape", "contender", "median_ms",
                "GB/s", "time / first (q1-q3)", "cpu_ms", "cpu / first (q1-q3)");
        for (String shape : shapes) {
            run(shape, names, rounds);
        }
    }

    private static void run(String shape, List<String> names, int rounds) throws Exception {
        Shape s = Shape.parse(shape);
        float[] in = Inputs.floats(Inputs.Pattern.RANDOM, s.rows(), s.cols(), 20240611L);
        int n = names.size();
        Contender[] c = new Contender[n];
        double[][] ms = new double[n][rounds];
        double[][] cpu = new double[n][rounds];
        try {
            for (int k = 0; k < n; k++) {
                c[k] = Contender.create(names.get(k), in, s.rows(), s.cols(), false);
                c[k].run();
                SoftmaxBenchmark.verify(names.get(k), shape, c[k], in, s.rows(), s.cols());
            }
            for (int w = 0; w < 3; w++) {
                for (Contender x : c) {
                    x.run();
                }
            }
            try (CpuClock clock = new CpuClock()) {
                double cost = clock.readCostMs();
                for (int r = 0; r < rounds; r++) {
                    for (int j = 0; j < n; j++) {
                        int k = (r + j) % n; // rotate who goes first
                        long c0 = clock.nanos();
                        long t0 = System.nanoTime();
                        c[k].run();
                        ms[k][r] = (System.nanoTime() - t0) / 1e6;
                        cpu[k][r] = (clock.nanos() - c0) / 1e6 - cost;
                    }
                }
            }
        } finally {
            for (Contender x : c) {
                if (x != null) {
                    x.close();
                }
            }
        }
        double bytes = 2.0 * s.rows() * s.cols() * Float.BYTES;
        for (int k = 0; k < n; k++) {
            double[] ratio = new double[rounds];
            double[] cpuRatio = new double[rounds];
            for (int r = 0; r < rounds; r++) {
                ratio[r] = ms[k][r] / ms[0][r];
                cpuRatio[r] = cpu[k][r] / cpu[0][r];
            }
            double med = median(ms[k]);
            System.out.printf(Locale.ROOT, "%-12s %-18s %9.3f %8.2f %8.3f (%.3f-%.3f) %9.3f %8.3f (%.3f-%.3f)%n", shape,
                    names.get(k), med, bytes / med / 1e6, median(ratio), quantile(ratio, 0.25), quantile(ratio, 0.75),
                    median(cpu[k]), median(cpuRatio), quantile(cpuRatio, 0.25), quantile(cpuRatio, 0.75));
        }
        System.out.flush();
    }

    /**
     * CPU time of the process's threads, in nanoseconds, from their scheduler counters: the
     * threads alive when it is opened (after the contenders have started their thread pools), each
     * counter file kept open and re-read in place, so that a reading costs microseconds.
     */
    private static final class CpuClock implements AutoCloseable {
        private final List<FileChannel> counters = new ArrayList<>();
        private final ByteBuffer buf = ByteBuffer.allocate(128);

        CpuClock() throws IOException {
            try (DirectoryStream<Path> tasks = Files.newDirectoryStream(Path.of("/proc/self/task"))) {
                for (Path t : tasks) {
                    try {
                        counters.add(FileChannel.open(t.resolve("schedstat"), StandardOpenOption.READ));
                    } catch (IOException e) {
                        // the thread ended while the directory was read
                    }
                }
            }
        }

        long nanos() {
            long sum = 0;
            for (FileChannel c : counters) {
                buf.clear();
                try {
                    c.read(buf, 0);
                } catch (IOException e) {
                    continue; // the thread has ended since
                }
                int end = 0;
                while (end < buf.position() && buf.get(end) != ' ') {
                    end++;
                }
                sum += Long.parseLong(new String(buf.array(), 0, end, StandardCharsets.US_ASCII));
            }
            return sum;
        }

        /** The CPU time that two readings cost, median of 101. */
        double readCostMs() {
            double[] d = new double[101];
            for (int i = 0; i < d.length; i++) {
                long c0 = nanos();
                d[i] = (nanos() - c0) / 1e6;
            }
            return median(d);
        }

        @Override
        public void close() throws IOException {
            for (FileChannel c : counters) {
                c.close();
            }
        }
    }

    private static double median(double[] v) {
        return quantile(v, 0.5);
    }

    private static double quantile(double[] v, double q) {
        double[] s = v.clone();
        Arrays.sort(s);
        double pos = q * (s.length - 1);
        int lo = (int) Math.floor(pos);
        int hi = Math.min(s.length - 1, lo + 1);
        return s[lo] + (pos - lo) * (s[hi] - s[lo]);
    }
}
