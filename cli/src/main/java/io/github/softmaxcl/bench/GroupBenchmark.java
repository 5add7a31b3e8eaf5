/*
 * The measurement behind `./softmax bench --device all` (or a device list): for one shape, the
 * group's end-to-end calls against each of its devices alone, from Java arrays and from direct
 * buffers. The devices alone run on the group's own engines (same kernels, same buffers), and the
 * runs are interleaved (each device alone, then the group, round after round), so every median sees
 * the same machine state; on a shared machine that is what makes a ratio trustworthy, and the
 * process CPU time per call says whether the group does more work than one device. Before any
 * time is taken, each device alone and the group (from arrays and from direct buffers) are checked
 * against the reference.
 */
package io.github.softmaxcl.bench;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxGroup;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.FamilyCheck;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;

/** Benchmarks a device group against its devices alone. */
public final class GroupBenchmark {
    /**
     * One shape's record.
     *
     * @param shape ROWSxCOLS
     * @param dtype element type
     * @param devices the group's devices ("P:D name")
     * @param split rows each device takes in the group's call
     * @param aloneMs median end-to-end ms of each device alone, from arrays (NaN for a device that
     *     cannot compute the type: float64 without cl_khr_fp64)
     * @param groupMs the group's, from arrays
     * @param aloneDirectMs each device alone, from direct buffers
     * @param groupDirectMs the group, from direct buffers
     * @param speedup fastest device alone / group, from arrays (above 1: the group is faster)
     * @param speedupDirect the same from direct buffers
     * @param groupGbps the group's GB/s from arrays (2 x rows x cols x bytes / time)
     * @param groupDirectGbps the group's GB/s from direct buffers
     * @param aloneCpuMs mean process CPU time of each device's call alone, from arrays
     * @param groupCpuMs the group's
     * @param aloneDirectCpuMs each device alone, from direct buffers
     * @param groupDirectCpuMs the group, from direct buffers
     * @param runs timed runs per median
     */
    public record Result(String shape, String dtype, List<String> devices, long[] split, double[] aloneMs,
            double groupMs, double[] aloneDirectMs, double groupDirectMs, double speedup, double speedupDirect,
            double groupGbps, double groupDirectGbps, double[] aloneCpuMs, double groupCpuMs,
            double[] aloneDirectCpuMs, double groupDirectCpuMs, int runs) {}

    private final SoftmaxGroup group;
    private final List<SoftmaxEngine> engines;
    private final int runs;

    /**
     * @param group the group to measure
     * @param runs timed runs per median, &gt;= 1
     * @throws IllegalArgumentException if {@code runs < 1}
     */
    public GroupBenchmark(SoftmaxGroup group, int runs) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        }
        this.group = group;
        this.engines = Internals.core(group).engines();
        this.runs = runs;
    }

    /**
     * @param shape the shape
     * @param type element type
     * @return the measurements
     * @throws IllegalStateException if a result does not match the reference
     */
    public Result run(Shape shape, ElementType type) {
        long[] s = {shape.rows(), shape.cols()};
        int n = (int) shape.elements();
        SoftmaxOp op = SoftmaxOp.softmax();
        double[] xr = FamilyCheck.doubles(FamilyCheck.array(Inputs.doubles(Inputs.Pattern.RANDOM, shape.rows(),
                shape.cols(), 42), type), type);
        Object y = FamilyCheck.array(new double[n], type);
        HostTensor hx = FamilyCheck.tensor(FamilyCheck.array(xr, type), type, s);
        HostTensor hy = FamilyCheck.tensor(y, type, s);
        ByteBuffer dxb = ByteBuffer.allocateDirect(n * type.bytes()).order(ByteOrder.nativeOrder());
        ByteBuffer dyb = ByteBuffer.allocateDirect(n * type.bytes()).order(ByteOrder.nativeOrder());
        Internals.data(hx).copyOut(0, n, dxb);
        HostTensor ddx = HostTensor.of(dxb, type, s);
        HostTensor ddy = HostTensor.of(dyb, type, s);
        int devices = engines.size();
        // Warm-up, and every path checked once: kernels built, buffers sized, pages touched.
        boolean[] can = new boolean[devices];
        for (int i = 0; i < devices; i++) {
            SoftmaxEngine e = engines.get(i);
            // A device without cl_khr_fp64 sits out float64 calls in the group, and here too.
            can[i] = type != ElementType.FLOAT64 || e.device().fp64();
            if (!can[i]) {
                continue;
            }
            e.forward(hx, hy, op);
            check(xr, y, s, type, "on " + e.device().id() + " alone");
            e.forward(ddx, ddy, op);
        }
        group.forward(hx, hy, op);
        check(xr, y, s, type, "on the group, from arrays");
        group.forward(ddx, ddy, op);
        Object back = FamilyCheck.array(new double[n], type);
        Internals.data(FamilyCheck.tensor(back, type, s)).copyIn(dyb, 0, n);
        check(xr, back, s, type, "on the group, from direct buffers");
        // Row i < devices: device i alone; row devices: the group. Column 0 arrays, 1 direct.
        Times[][] t = new Times[devices + 1][2];
        for (Times[] row : t) {
            row[0] = new Times(runs);
            row[1] = new Times(runs);
        }
        Benchmark.warmUp(1, w -> { // the calls above made the first; now until the JIT is quiet
            for (int i = 0; i < devices; i++) {
                if (can[i]) {
                    engines.get(i).forward(hx, hy, op);
                    engines.get(i).forward(ddx, ddy, op);
                }
            }
            group.forward(hx, hy, op);
            group.forward(ddx, ddy, op);
        });
        for (int r = 0; r < runs; r++) {
            for (int i = 0; i < devices; i++) {
                SoftmaxEngine e = engines.get(i);
                if (can[i]) {
                    t[i][0].time(r, () -> e.forward(hx, hy, op));
                    t[i][1].time(r, () -> e.forward(ddx, ddy, op));
                }
            }
            t[devices][0].time(r, () -> group.forward(hx, hy, op));
            t[devices][1].time(r, () -> group.forward(ddx, ddy, op));
        }
        double[][] ms = new double[2][devices];
        double[][] cpu = new double[2][devices];
        for (int k = 0; k < 2; k++) {
            for (int i = 0; i < devices; i++) {
                ms[k][i] = can[i] ? t[i][k].medianMs() : Double.NaN;
                cpu[k][i] = can[i] ? t[i][k].meanCpuMs() : Double.NaN;
            }
        }
        double groupMs = t[devices][0].medianMs();
        double groupDirectMs = t[devices][1].medianMs();
        double bytes = 2.0 * n * type.bytes();
        return new Result(shape.toString(), type.label(),
                engines.stream().map(e -> e.device().id() + " " + e.device().name()).toList(),
                group.prepare(op, type, s).split(), ms[0], groupMs, ms[1], groupDirectMs,
                Arrays.stream(ms[0]).filter(Double::isFinite).min().orElseThrow() / groupMs,
                Arrays.stream(ms[1]).filter(Double::isFinite).min().orElseThrow() / groupDirectMs,
                bytes / groupMs / 1e6, bytes / groupDirectMs / 1e6, cpu[0], t[devices][0].meanCpuMs(), cpu[1],
                t[devices][1].meanCpuMs(), runs);
    }

    /**
     * Wall and process CPU time of each run. CPU time counts every thread of the process, the
     * OpenCL driver's included: on a machine shared with other work, where wall time also measures
     * how much of the CPU the process was given, it shows whether the group does more work per call.
     * The clock ticks coarsely (10 ms on Linux), so it is averaged, not a median.
     */
    private static final class Times {
        private static final com.sun.management.OperatingSystemMXBean OS =
                (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
        private final long[] wall;
        private final long[] cpu;

        Times(int runs) {
            wall = new long[runs];
            cpu = new long[runs];
        }

        void time(int r, Runnable call) {
            long c0 = OS.getProcessCpuTime();
            long t0 = System.nanoTime();
            call.run();
            wall[r] = System.nanoTime() - t0;
            cpu[r] = OS.getProcessCpuTime() - c0;
        }

        double medianMs() {
            return Benchmark.median(wall) / 1e6;
        }

        double meanCpuMs() {
            return Arrays.stream(cpu).average().orElse(Double.NaN) / 1e6;
        }
    }

    private static void check(double[] x, Object y, long[] s, ElementType type, String path) {
        Comparison c = FamilyCheck.compareForward(x, FamilyCheck.doubles(y, type), s, -1, type, SoftmaxOp.softmax(),
                null);
        if (!c.passed()) {
            throw new IllegalStateException("softmax " + path + " does not match the reference: " + c);
        }
    }
}
