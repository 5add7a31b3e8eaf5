/*
 * `softmax bench --device all` (or a device list): opens the group, measures its split afresh (the
 * time is reported: it is what a group costs once per set of devices), then for each shape the
 * group's end-to-end calls against each device alone (bench.GroupBenchmark: median wall time and
 * mean process CPU time per call), as a table and, with
 * --json, one record per shape.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxGroup;
import io.github.softmaxcl.bench.GroupBenchmark;
import io.github.softmaxcl.bench.Shape;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.GroupConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.verify.JsonFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** The device group benchmark of the bench command. */
final class GroupBench {
    private GroupBench() {}

    /**
     * @param out the table
     * @param err where the JSON file's name goes
     * @param engines how the group's engines are opened
     * @param list the device list
     * @param shapes the shapes
     * @param type element type
     * @param runs timed runs per median
     * @param json where to write the records, or null
     * @return the exit code
     * @throws IOException if the JSON file cannot be written
     */
    static int run(PrintWriter out, PrintWriter err, EngineConfig engines, String list, List<Shape> shapes,
            ElementType type, int runs, Path json) throws IOException {
        List<GroupBenchmark.Result> results = new ArrayList<>();
        // Opened with even weights, so the only measurement is the timed one below.
        double[] even = new double[io.github.softmaxcl.device.Devices.selectAll(list).size()];
        Arrays.fill(even, 1);
        try (SoftmaxGroup group = Internals.openGroup(GroupConfig.ALL.withDevices(list).withEngines(engines)
                .withWeights(even))) {
            group.devices().forEach(d -> out.printf("device: %s %s%n", d.id(), d.name()));
            long t0 = System.nanoTime();
            double[] shares = group.recalibrate();
            double[] speeds = Internals.core(group).speeds();
            out.printf(Locale.ROOT, "calibration: %.2f s, shares %s (GB/s of each device while all run: %s)%n",
                    (System.nanoTime() - t0) / 1e9, format(shares, "%.3f"), format(speeds, "%.2f"));
            out.printf("%-12s %-8s %-12s %-16s %10s %8s %7s %10s %8s %7s%n", "shape", "dtype", "on", "rows",
                    "arrays_ms", "GB/s", "cpu_ms", "direct_ms", "GB/s", "cpu_ms");
            out.flush();
            GroupBenchmark bench = new GroupBenchmark(group, runs);
            for (Shape s : shapes) {
                GroupBenchmark.Result r = bench.run(s, type);
                results.add(r);
                double bytes = 2.0 * s.elements() * type.bytes();
                for (int i = 0; i < r.devices().size(); i++) {
                    out.printf(Locale.ROOT, "%-12s %-8s %-12s %-16d %10.3f %8.2f %7.1f %10.3f %8.2f %7.1f%n", r.shape(),
                            r.dtype(), r.devices().get(i).split(" ")[0] + " alone", s.rows(), r.aloneMs()[i],
                            bytes / r.aloneMs()[i] / 1e6, r.aloneCpuMs()[i], r.aloneDirectMs()[i],
                            bytes / r.aloneDirectMs()[i] / 1e6, r.aloneDirectCpuMs()[i]);
                }
                out.printf(Locale.ROOT, "%-12s %-8s %-12s %-16s %10.3f %8.2f %7.1f %10.3f %8.2f %7.1f%n", r.shape(),
                        r.dtype(), "group", Arrays.stream(r.split()).mapToObj(Long::toString)
                                .collect(Collectors.joining("+")), r.groupMs(), r.groupGbps(), r.groupCpuMs(),
                        r.groupDirectMs(), r.groupDirectGbps(), r.groupDirectCpuMs());
                out.printf(Locale.ROOT, "  group vs the fastest device alone: %.2fx from arrays, %.2fx from direct"
                        + " buffers%n", r.speedup(), r.speedupDirect());
                out.flush();
            }
        }
        if (json != null) {
            JsonFiles.write(json, results, BenchCommand.SNAKE);
            err.println("wrote " + json);
        }
        return 0;
    }

    private static String format(double[] v, String f) {
        return Arrays.stream(v).mapToObj(x -> String.format(Locale.ROOT, f, x)).collect(Collectors.joining(" "));
    }
}
