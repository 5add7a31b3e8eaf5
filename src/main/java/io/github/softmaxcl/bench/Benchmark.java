/*
 * The measurement behind `./softmax bench`: for one shape, kernel-only softmax and a copy kernel on
 * the same device buffers (runs alternated, so both see the same machine state), end-to-end calls
 * from Java arrays, and the CPU reference. Medians after warm-up; every result is also checked
 * against the reference once, so a fast wrong kernel can never produce a benchmark number.
 */
package io.github.softmaxcl.bench;

import io.github.softmaxcl.DeviceMatrix;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/** Runs the benchmark for one shape. */
public final class Benchmark {
    /** Input plus output bytes that rotation keeps in flight: twice a 32 MiB last-level cache. */
    static final long ROTATE_BYTES = 64L << 20;
    static final int MAX_PAIRS = 64;

    private final SoftmaxEngine engine;
    private final int runs;
    private final boolean withReference;

    /**
     * @param engine the engine to measure
     * @param runs timed runs per median, &gt;= 1
     * @param withReference whether to time the CPU reference too
     * @throws IllegalArgumentException if {@code runs < 1}
     */
    public Benchmark(SoftmaxEngine engine, int runs, boolean withReference) {
        if (runs < 1) {
            throw new IllegalArgumentException("runs must be >= 1, got " + runs);
        }
        this.engine = engine;
        this.runs = runs;
        this.withReference = withReference;
    }

    /**
     * @param shape the shape
     * @param precision element type
     * @return the measurements
     * @throws IllegalStateException if the device result does not match the reference
     */
    public BenchResult run(Shape shape, ElementType precision) {
        int rows = shape.rows();
        int cols = shape.cols();
        double bytes = 2.0 * shape.elements() * precision.bytes();
        long[] kernel = new long[runs];
        long[] copy = new long[runs];
        long[] e2e = new long[Math.max(3, runs / 2)];
        long[] direct = new long[e2e.length];
        Data d = precision == ElementType.FLOAT32 ? new F32(rows, cols) : new F64(rows, cols);
        try (Rotation r = new Rotation(engine, shape, precision)) {
            r.upload(d::upload);
            measureKernels(r, kernel, copy);
            d.check(d.download(r.last()), "kernel-only");
        }
        for (int i = 0; i < e2e.length; i++) {
            long t0 = System.nanoTime();
            d.arrays(engine);
            e2e[i] = System.nanoTime() - t0;
        }
        d.check(d.arrayResult(), "end-to-end from arrays");
        for (int i = 0; i < direct.length; i++) {
            long t0 = System.nanoTime();
            d.direct(engine);
            direct[i] = System.nanoTime() - t0;
        }
        d.check(d.directResult(), "end-to-end from direct buffers");
        double referenceMs = withReference ? timeReference(d::reference, shape) : Double.NaN;
        double kernelMs = median(kernel) / 1e6;
        double copyMs = median(copy) / 1e6;
        double e2eMs = median(e2e) / 1e6;
        double directMs = median(direct) / 1e6;
        double kernelGbps = bytes / kernelMs / 1e6;
        double copyGbps = bytes / copyMs / 1e6;
        return new BenchResult(shape.toString(), precision == ElementType.FLOAT32 ? "float32" : "float64",
                engine.device().name(), engine.plan(rows, cols, precision).toString(), kernelMs, kernelGbps, copyGbps,
                kernelGbps / copyGbps, e2eMs, bytes / e2eMs / 1e6, directMs, bytes / directMs / 1e6, referenceMs, runs, -1);
    }

    /**
     * Softmax along axis 0 (columns) of a matrix, kernel-only, next to the copy kernel on the same
     * buffers; the result is checked against the reference first.
     *
     * @param shape the shape
     * @return the measurements (e2e fields NaN: the column path is measured on the device only)
     * @throws IllegalStateException if the device result does not match the reference
     */
    public BenchResult runColumns(Shape shape) {
        int rows = shape.rows();
        int cols = shape.cols();
        float[] x = Inputs.floats(Inputs.Pattern.RANDOM, rows, cols, 42);
        float[] y = new float[x.length];
        long[] kernel = new long[runs];
        long[] copy = new long[runs];
        try (Rotation r = new Rotation(engine, shape, ElementType.FLOAT32)) {
            r.upload(m -> m.upload(x));
            for (int i = 0; i < Math.max(3, r.size()); i++) {
                engine.columnSoftmaxNanos(r.in(i), r.out(i));
                engine.copyNanos(r.in(i), r.out(i));
            }
            for (int i = 0; i < runs; i++) {
                copy[i] = engine.copyNanos(r.in(i), r.out(i));
                kernel[i] = engine.columnSoftmaxNanos(r.in(i), r.out(i));
            }
            engine.columnSoftmaxNanos(r.in(runs - 1), r.out(runs - 1));
            r.out(runs - 1).download(y);
        }
        double[] xd = new double[x.length];
        double[] yd = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            xd[i] = x[i];
            yd[i] = y[i];
        }
        long[] s = {rows, cols};
        io.github.softmaxcl.SoftmaxOptions o = io.github.softmaxcl.SoftmaxOptions.SOFTMAX;
        Comparison c = io.github.softmaxcl.verify.FamilyCheck.compareForward(xd, yd, s, 0,
                ElementType.FLOAT32, o, null);
        if (!c.passed()) {
            throw new IllegalStateException("axis-0 device result does not match the reference: " + c);
        }
        double bytes = 2.0 * shape.elements() * 4;
        double kernelMs = median(kernel) / 1e6;
        double copyMs = median(copy) / 1e6;
        return new BenchResult(shape.toString(), "float32", engine.device().name(),
                io.github.softmaxcl.kernel.Planner.prefersVectors(engine.device()) ? "SWEEP(axis 0)" : "STRIDED(axis 0)",
                kernelMs,
                bytes / kernelMs / 1e6, bytes / copyMs / 1e6, copyMs / kernelMs, Double.NaN, Double.NaN, Double.NaN,
                Double.NaN, Double.NaN, runs, 0);
    }

    private void measureKernels(Rotation r, long[] kernel, long[] copy) {
        for (int i = 0; i < Math.max(3, r.size()); i++) { // warm-up: builds, first touch of every page
            engine.kernelNanos(r.in(i), r.out(i));
            engine.copyNanos(r.in(i), r.out(i));
        }
        for (int i = 0; i < kernel.length; i++) {
            copy[i] = engine.copyNanos(r.in(i), r.out(i));
            kernel[i] = engine.kernelNanos(r.in(i), r.out(i));
        }
        // The checked result comes from the pair used last, after a softmax ran on it.
        engine.kernelNanos(r.in(kernel.length - 1), r.out(kernel.length - 1));
        r.markLast(kernel.length - 1);
    }

    /**
     * Enough (in, out) pairs that consecutive runs never find their data in the last-level cache:
     * shapes smaller than {@link #ROTATE_BYTES} are rotated over several copies.
     */
    private static final class Rotation implements AutoCloseable {
        private final java.util.List<DeviceMatrix> ins = new java.util.ArrayList<>();
        private final java.util.List<DeviceMatrix> outs = new java.util.ArrayList<>();
        private int last;

        Rotation(SoftmaxEngine engine, Shape shape, ElementType precision) {
            long bytes = shape.elements() * precision.bytes();
            int pairs = (int) Math.min(MAX_PAIRS, Math.max(1, (ROTATE_BYTES + bytes - 1) / bytes));
            try {
                for (int i = 0; i < pairs; i++) {
                    ins.add(engine.allocate(shape.rows(), shape.cols(), precision));
                    outs.add(engine.allocate(shape.rows(), shape.cols(), precision));
                }
            } catch (RuntimeException e) {
                close();
                throw e;
            }
        }

        void upload(java.util.function.Consumer<DeviceMatrix> up) {
            ins.forEach(up);
        }

        int size() {
            return ins.size();
        }

        DeviceMatrix in(int i) {
            return ins.get(i % ins.size());
        }

        DeviceMatrix out(int i) {
            return outs.get(i % outs.size());
        }

        void markLast(int i) {
            last = i;
        }

        DeviceMatrix last() {
            return out(last);
        }

        @Override
        public void close() {
            ins.forEach(DeviceMatrix::close);
            outs.forEach(DeviceMatrix::close);
        }
    }

    /**
     * One precision's arrays for a benchmark run: the same steps for float32 and float64, each
     * result checked against the reference before its time counts.
     */
    private abstract static class Data {
        final int rows;
        final int cols;
        private double[] ref;

        Data(int rows, int cols) {
            this.rows = rows;
            this.cols = cols;
        }

        abstract void upload(DeviceMatrix m);

        abstract double[] download(DeviceMatrix m);

        abstract void arrays(SoftmaxEngine e);

        abstract double[] arrayResult();

        abstract void direct(SoftmaxEngine e);

        abstract double[] directResult();

        abstract double[] reference();

        abstract double input(long i);

        abstract ElementType precision();

        void check(double[] y, String path) {
            if (ref == null) {
                ref = reference();
            }
            Comparison c = Comparison.of(this::input, i -> y[(int) i], i -> ref[(int) i], rows, cols, precision());
            if (!c.passed()) {
                throw new IllegalStateException(path + " result does not match the reference: " + c);
            }
        }
    }

    private static final class F32 extends Data {
        private final float[] x;
        private final float[] y;
        private final FloatBuffer dx;
        private final FloatBuffer dy;

        F32(int rows, int cols) {
            super(rows, cols);
            x = Inputs.floats(Inputs.Pattern.RANDOM, rows, cols, 42);
            y = new float[x.length];
            dx = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(0, x);
            dy = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        }

        @Override
        void upload(DeviceMatrix m) {
            m.upload(x);
        }

        @Override
        double[] download(DeviceMatrix m) {
            float[] out = new float[x.length];
            m.download(out);
            return widen(out);
        }

        @Override
        void arrays(SoftmaxEngine e) {
            e.softmax(x, y, rows, cols);
        }

        @Override
        double[] arrayResult() {
            return widen(y);
        }

        @Override
        void direct(SoftmaxEngine e) {
            e.softmax(dx, dy, rows, cols);
        }

        @Override
        double[] directResult() {
            float[] out = new float[x.length];
            dy.get(0, out);
            return widen(out);
        }

        @Override
        double[] reference() {
            return ReferenceSoftmax.softmax(x, rows, cols);
        }

        @Override
        double input(long i) {
            return x[(int) i];
        }

        @Override
        ElementType precision() {
            return ElementType.FLOAT32;
        }

        private static double[] widen(float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) {
                d[i] = f[i];
            }
            return d;
        }
    }

    private static final class F64 extends Data {
        private final double[] x;
        private final double[] y;
        private final DoubleBuffer dx;
        private final DoubleBuffer dy;

        F64(int rows, int cols) {
            super(rows, cols);
            x = Inputs.doubles(Inputs.Pattern.RANDOM, rows, cols, 42);
            y = new double[x.length];
            dx = ByteBuffer.allocateDirect(x.length * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer().put(0, x);
            dy = ByteBuffer.allocateDirect(x.length * 8).order(ByteOrder.nativeOrder()).asDoubleBuffer();
        }

        @Override
        void upload(DeviceMatrix m) {
            m.upload(x);
        }

        @Override
        double[] download(DeviceMatrix m) {
            double[] out = new double[x.length];
            m.download(out);
            return out;
        }

        @Override
        void arrays(SoftmaxEngine e) {
            e.softmax(x, y, rows, cols);
        }

        @Override
        double[] arrayResult() {
            return y;
        }

        @Override
        void direct(SoftmaxEngine e) {
            e.softmax(dx, dy, rows, cols);
        }

        @Override
        double[] directResult() {
            double[] out = new double[x.length];
            dy.get(0, out);
            return out;
        }

        @Override
        double[] reference() {
            return ReferenceSoftmax.softmax(x, rows, cols);
        }

        @Override
        double input(long i) {
            return x[(int) i];
        }

        @Override
        ElementType precision() {
            return ElementType.FLOAT64;
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
