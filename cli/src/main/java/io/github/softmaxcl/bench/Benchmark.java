/*
 * The measurement behind `./softmax bench`: for one shape, element type and op, kernel-only time
 * and a copy kernel on the same device tensors (runs alternated, so both see the same machine
 * state), end-to-end calls from Java arrays and from direct buffers, and the CPU reference. Medians
 * after a warm-up that lasts until the JIT is quiet; every path's result is checked against the
 * reference once, so a fast wrong kernel can never produce a benchmark number. Every op and type
 * goes through the same body and the same public API a user calls.
 */
package io.github.softmaxcl.bench;

import io.github.softmaxcl.DeviceTensor;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.exec.EngineCore;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.exec.Probes;
import io.github.softmaxcl.exec.Problem;
import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceFamily;
import io.github.softmaxcl.reference.FamilyCheck;
import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.function.IntConsumer;

/** Runs the benchmark for one shape. */
public final class Benchmark {
    /** Input plus output bytes that rotation keeps in flight: twice a 32 MiB last-level cache. */
    static final long ROTATE_BYTES = 64L << 20;
    static final int MAX_PAIRS = 64;
    /** Warm-up ends once the JIT has finished no compilation for this long ({@link #warmUp}). */
    static final long QUIET_NANOS = 250_000_000L;
    /** The longest warm-up, should the JIT never go quiet. */
    static final long WARM_UP_NANOS = 3_000_000_000L;

    /**
     * One member of the family benchmark.
     *
     * @param name the record's {@code op}
     * @param type element type
     * @param op the op
     */
    public record Member(String name, ElementType type, SoftmaxOp op) {}

    /** Which exp the kernel-only runs use in the variants that have a choice (Planner.hasPolyExp). */
    public enum Exp {
        /** The planner's choice. */
        PLANNER,
        /** The OpenCL built-in exp. */
        BUILTIN,
        /** The polynomial of softmax_exp.clh. */
        POLY
    }

    private final SoftmaxEngine engine;
    private final EngineCore core;
    private final int runs;
    private final boolean withReference;
    private final Exp exp;

    /**
     * @param engine the engine to measure
     * @param runs timed runs per median, &gt;= 1
     * @param withReference whether to time the CPU reference too
     * @throws IllegalArgumentException if {@code runs < 1}
     */
    public Benchmark(SoftmaxEngine engine, int runs, boolean withReference) {
        this(engine, runs, withReference, Exp.PLANNER);
    }

    /**
     * @param engine the engine to measure
     * @param runs timed runs per median, &gt;= 1
     * @param withReference whether to time the CPU reference too
     * @param exp the exp of the kernel-only runs (end-to-end runs keep the planner's)
     * @throws IllegalArgumentException if {@code runs < 1} or {@code exp} is null
     */
    public Benchmark(SoftmaxEngine engine, int runs, boolean withReference, Exp exp) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        }
        if (exp == null) {
            throw new IllegalArgumentException("exp must not be null");
        }
        this.engine = engine;
        this.core = Internals.core(engine);
        this.runs = runs;
        this.withReference = withReference;
        this.exp = exp;
    }

    /**
     * @param cols row length, for the "mask" member's one-row mask (every 8th entry masked)
     * @return the family members: softmax, log, temperature, mask, axis0, float16, bfloat16
     */
    public static List<Member> family(int cols) {
        boolean[] keep = new boolean[cols];
        for (int i = 0; i < cols; i++) {
            keep[i] = i % 8 != 0;
        }
        SoftmaxOp s = SoftmaxOp.softmax();
        return List.of(new Member("softmax", ElementType.FLOAT32, s),
                new Member("log", ElementType.FLOAT32, SoftmaxOp.logSoftmax()),
                new Member("temperature", ElementType.FLOAT32, s.withTemperature(0.7)),
                new Member("mask", ElementType.FLOAT32, s.withMask(keep)),
                new Member("axis0", ElementType.FLOAT32, s.withAxis(0)),
                new Member("float16", ElementType.FLOAT16, s),
                new Member("bfloat16", ElementType.BFLOAT16, s));
    }

    /**
     * Plain softmax along the last axis.
     *
     * @param shape the shape
     * @param type element type
     * @return the measurements
     * @throws IllegalStateException if a device result does not match the reference
     */
    public BenchResult run(Shape shape, ElementType type) {
        return run(shape, new Member("softmax", type, SoftmaxOp.softmax()));
    }

    /**
     * @param shape the shape
     * @param m the member to measure
     * @return the measurements
     * @throws IllegalStateException if a device result does not match the reference
     */
    public BenchResult run(Shape shape, Member m) {
        ElementType type = m.type();
        long[] s = {shape.rows(), shape.cols()};
        int n = (int) shape.elements();
        double bytes = 2.0 * n * type.bytes();
        Object x = FamilyCheck.array(Inputs.doubles(Inputs.Pattern.RANDOM, shape.rows(), shape.cols(), 42), type);
        double[] xr = FamilyCheck.doubles(x, type);
        Object y = FamilyCheck.array(new double[n], type);
        HostTensor hx = FamilyCheck.tensor(x, type, s);
        HostTensor hy = FamilyCheck.tensor(y, type, s);
        ByteBuffer dxb = ByteBuffer.allocateDirect(n * type.bytes()).order(ByteOrder.nativeOrder());
        ByteBuffer dyb = ByteBuffer.allocateDirect(n * type.bytes()).order(ByteOrder.nativeOrder());
        HostTensor ddx = HostTensor.of(dxb, type, s);
        HostTensor ddy = HostTensor.of(dyb, type, s);
        Internals.data(hx).copyOut(0, n, dxb); // the input, into the direct buffer
        Problem p = withExp(core.problem(Internals.spec(m.op()), type, s));
        byte[] mask = Internals.spec(m.op()).mask();
        long[] kernel = new long[runs];
        long[] copy = new long[runs];
        try (Rotation r = new Rotation(engine, type, s)) {
            r.ins.forEach(t -> t.upload(hx));
            warmUp(Math.max(3, r.size()), i -> { // builds, first touch of every page, then the JIT
                Probes.kernelNanos(p, mask, data(r.in(i)), data(r.out(i)));
                Probes.copyNanos(data(r.in(i)), data(r.out(i)));
            });
            for (int i = 0; i < runs; i++) {
                copy[i] = Probes.copyNanos(data(r.in(i)), data(r.out(i)));
                kernel[i] = Probes.kernelNanos(p, mask, data(r.in(i)), data(r.out(i)));
            }
            // The checked result comes from the pair used last, after a softmax ran on it.
            Probes.kernelNanos(p, mask, data(r.in(runs - 1)), data(r.out(runs - 1)));
            r.out(runs - 1).download(hy);
            check(xr, FamilyCheck.doubles(y, type), s, m, "kernel-only");
        }
        long[] e2e = timed(() -> engine.forward(hx, hy, m.op()));
        check(xr, FamilyCheck.doubles(y, type), s, m, "end-to-end from arrays");
        long[] direct = timed(() -> engine.forward(ddx, ddy, m.op()));
        Object back = FamilyCheck.array(new double[n], type);
        Internals.data(FamilyCheck.tensor(back, type, s)).copyIn(dyb, 0, n);
        check(xr, FamilyCheck.doubles(back, type), s, m, "end-to-end from direct buffers");
        double referenceMs = withReference ? timeReference(() -> ReferenceFamily.forward(xr, s, m.op().axis(),
                m.op(), mask), shape) : Double.NaN;
        double kernelMs = median(kernel) / 1e6;
        double copyMs = median(copy) / 1e6;
        double e2eMs = median(e2e) / 1e6;
        double directMs = median(direct) / 1e6;
        double kernelGbps = bytes / kernelMs / 1e6;
        double copyGbps = bytes / copyMs / 1e6;
        String plan = p.plan() != null ? p.plan().toString()
                : (core.sweepsAxis() ? "SWEEP" : "STRIDED") + "(axis " + m.op().axis() + ")";
        return new BenchResult(m.name(), shape.toString(), type.label(), core.device().name(), plan, kernelMs,
                kernelGbps, copyGbps, kernelGbps / copyGbps, e2eMs, bytes / e2eMs / 1e6, directMs,
                bytes / directMs / 1e6, referenceMs, runs, p.op().axis() < 0 ? -1 : p.op().axis());
    }

    private Problem withExp(Problem p) {
        if (exp == Exp.PLANNER || p.plan() == null || !Planner.hasPolyExp(p.plan().variant(), p.type())) {
            return p;
        }
        return p.withPlan(p.plan().withPolyExp(exp == Exp.POLY));
    }

    private long[] timed(Runnable call) {
        long[] t = new long[Math.max(3, runs / 2)];
        warmUp(1, i -> call.run()); // staging buffers, first touch, then the JIT
        for (int i = 0; i < t.length; i++) {
            long t0 = System.nanoTime();
            call.run();
            t[i] = System.nanoTime() - t0;
        }
        return t;
    }

    /**
     * Calls {@code call} (with the call's index) at least {@code min} times, then until the JIT has
     * finished no compilation for {@link #QUIET_NANOS}, for at most {@link #WARM_UP_NANOS} in all. A
     * CPU device's work-items run on the cores the JIT compiles on, and the launch path's first few
     * hundred calls compile dozens of methods: after three warm-up runs, 64 compilations finished
     * during the 15 timed runs at 1x16777216 (`-Xlog:jit+compilation`), and the kernels took longer
     * than in a C host (BENCHMARKS.md, "A quiet JIT before the timed runs"). Without a JIT to watch
     * (an interpreter-only JVM), {@code min} calls.
     *
     * @param min calls to make whatever the JIT does (at least 1)
     * @param call the warm-up call
     */
    static void warmUp(int min, IntConsumer call) {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        boolean watch = jit != null && jit.isCompilationTimeMonitoringSupported();
        long start = System.nanoTime();
        long lastCompiled = start;
        long compiled = watch ? jit.getTotalCompilationTime() : 0;
        for (int i = 0;; i++) {
            long now = System.nanoTime();
            if (i >= min && (!watch || now - lastCompiled >= QUIET_NANOS || now - start >= WARM_UP_NANOS)) {
                return;
            }
            call.accept(i);
            long total = watch ? jit.getTotalCompilationTime() : compiled;
            if (total != compiled) {
                compiled = total;
                lastCompiled = System.nanoTime();
            }
        }
    }

    private static void check(double[] x, double[] y, long[] s, Member m, String path) {
        int axis = m.op().axis();
        byte[] mask = Internals.spec(m.op()).mask();
        Comparison c = FamilyCheck.compareForward(x, y, s, axis, m.type(), m.op(), mask);
        if (!c.passed()) {
            throw new IllegalStateException(m.name() + " " + path + " result does not match the reference: " + c);
        }
    }

    private static io.github.softmaxcl.exec.DeviceData data(DeviceTensor t) {
        return Internals.data(t);
    }

    /**
     * Enough (in, out) pairs that consecutive runs never find their data in the last-level cache:
     * shapes smaller than {@link #ROTATE_BYTES} are rotated over several copies.
     */
    private static final class Rotation implements AutoCloseable {
        private final List<DeviceTensor> ins = new ArrayList<>();
        private final List<DeviceTensor> outs = new ArrayList<>();

        Rotation(SoftmaxEngine engine, ElementType type, long[] shape) {
            long bytes = shape[0] * shape[1] * type.bytes();
            int pairs = (int) Math.min(MAX_PAIRS, Math.max(1, (ROTATE_BYTES + bytes - 1) / bytes));
            try {
                for (int i = 0; i < pairs; i++) {
                    ins.add(engine.allocate(type, shape));
                    outs.add(engine.allocate(type, shape));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        int size() {
            return ins.size();
        }

        DeviceTensor in(int i) {
            return ins.get(i % ins.size());
        }

        DeviceTensor out(int i) {
            return outs.get(i % outs.size());
        }

        @Override
        public void close() {
            ins.forEach(DeviceTensor::close);
            outs.forEach(DeviceTensor::close);
        }
    }

    private static double timeReference(java.util.function.Supplier<double[]> r, Shape shape) {
        int n = shape.elements() > 50_000_000 ? 1 : 3;
        long[] t = new long[n];
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            r.get();
            t[i] = System.nanoTime() - t0;
        }
        return median(t) / 1e6;
    }

    static double median(long[] values) {
        long[] v = values.clone();
        Arrays.sort(v);
        int n = v.length;
        return n % 2 == 1 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
    }
}
