/*
 * What a device group owns and how it runs one call: one engine per device, one thread per device,
 * and the devices' speeds. A call is planned once (the whole problem validated, its units split in
 * proportion to speed, each device's part planned on that device's engine), then run with every
 * part at once: the calling thread runs the first part, each other device's thread its own. A part
 * is a view of the caller's memory, so nothing is copied. If any part fails, the call waits for the
 * others, fills the whole output with NaN and throws, naming the device: there is never a partial
 * result, and every engine (each keeping its own failure rule) serves the next call.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxException;
import io.github.softmaxcl.device.DeviceInfo;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;

/** The engines, threads and speeds of a device group. */
public final class GroupCore implements AutoCloseable {
    private final List<SoftmaxEngine> engines;
    private final EngineCore[] cores;
    private final ExecutorService[] threads;
    private volatile double[] speeds;
    private volatile boolean closed;

    /**
     * A call planned over the group.
     *
     * @param whole the whole problem, validated on the first device that can run it
     * @param unitElements elements per unit (row, or outer slice for another axis)
     * @param from each device's first unit
     * @param units each device's units (0: no part)
     * @param parts each device's problem for its part, or null
     */
    public record Planned(Problem whole, long unitElements, long[] from, long[] units, Problem[] parts) {}

    /**
     * @param engines one open engine per device, all different devices; the group owns them from now
     * @param speeds one positive speed per engine (any unit: only ratios matter)
     */
    public GroupCore(List<SoftmaxEngine> engines, double[] speeds) {
        this.engines = List.copyOf(engines);
        this.cores = engines.stream().map(Internals::core).toArray(EngineCore[]::new);
        this.threads = new ExecutorService[cores.length];
        setSpeeds(speeds);
    }

    /** @return the engines, in device order */
    public List<SoftmaxEngine> engines() {
        return engines;
    }

    /** @return the devices, in group order */
    public List<DeviceInfo> devices() {
        return Arrays.stream(cores).map(EngineCore::device).toList();
    }

    /** @return a copy of the speeds the group splits by */
    public double[] speeds() {
        return speeds.clone();
    }

    /**
     * @param s one finite speed &gt; 0 per device
     * @throws IllegalArgumentException if not
     */
    public void setSpeeds(double[] s) {
        if (s == null || s.length != cores.length) {
            throw new IllegalArgumentException("expected " + cores.length + " speeds, one per device, got "
                    + (s == null ? "null" : Arrays.toString(s)));
        }
        for (double v : s) {
            if (!(v > 0) || Double.isInfinite(v)) {
                throw new IllegalArgumentException("speeds must be finite and > 0, got " + Arrays.toString(s));
            }
        }
        this.speeds = s.clone();
    }

    EngineCore[] cores() {
        return cores;
    }

    /**
     * Validates and splits a call, and plans each device's part.
     *
     * @param op the op
     * @param type element type
     * @param shape shape
     * @param build whether to build each part's forward kernels now (all devices at once)
     * @return the planned call
     * @throws IllegalArgumentException if the shape, axis or mask do not fit
     * @throws UnsupportedOperationException if no device of the group can compute in {@code type}
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device, if a kernel does not build
     */
    public Planned plan(OpSpec op, ElementType type, long[] shape, boolean build) {
        return plan(op, type, shape, build, speeds);
    }

    /** As {@link #plan(OpSpec, ElementType, long[], boolean)}, split by {@code weights} (0: no part). */
    Planned plan(OpSpec op, ElementType type, long[] shape, boolean build, double[] weights) {
        ensureOpen();
        double[] w = weights.clone();
        int first = -1;
        for (int i = 0; i < cores.length; i++) {
            if (type == ElementType.FLOAT64 && !cores[i].device().fp64()) {
                w[i] = 0; // this device sits out float64 calls; the others share its rows
            } else if (first < 0 && w[i] > 0) {
                first = i;
            }
        }
        if (first < 0 && type == ElementType.FLOAT64) {
            throw new UnsupportedOperationException("no device of the group supports float64 (cl_khr_fp64): "
                    + devices().stream().map(DeviceInfo::describe).toList() + "; use float32");
        }
        if (first < 0) {
            throw new IllegalArgumentException("no device has a share: weights " + Arrays.toString(weights));
        }
        Problem whole = cores[first].problem(op, type, shape);
        long[] s = whole.shape();
        long unitElements = whole.k() * whole.inner();
        long units = unitElements == 0 ? 0 : whole.outer();
        int align = 1;
        if (whole.plan() != null) {
            for (int i = 0; i < cores.length; i++) {
                if (w[i] > 0) {
                    align = lcm(align, cores[i].rowGroup(whole.k(), type));
                }
            }
        }
        long[] u = Split.of(w, units, unitElements, align);
        long[] from = new long[cores.length];
        Problem[] parts = new Problem[cores.length];
        int rank = s.length;
        int a = op.axis() < 0 ? op.axis() + rank : op.axis();
        long f = 0;
        for (int i = 0; i < cores.length; f += u[i], i++) {
            from[i] = f;
            if (u[i] == 0) {
                continue;
            }
            long[] partShape = s;
            OpSpec partOp = op;
            if (u[i] != units) {
                // The units before the axis become one leading axis: the same memory, row-major.
                partShape = new long[rank - a + 1];
                partShape[0] = u[i];
                System.arraycopy(s, a, partShape, 1, rank - a);
                partOp = op.withAxis(op.axis() < 0 ? op.axis() : 1);
            }
            int maskLength = op.mask() == null ? -1
                    : whole.fullMask() ? Math.toIntExact(u[i] * unitElements) : op.mask().length;
            parts[i] = cores[i].problem(partOp, maskLength, type, partShape);
        }
        Planned planned = new Planned(whole, unitElements, from, u, parts);
        if (build) {
            Runnable[] tasks = new Runnable[cores.length];
            for (int i = 0; i < cores.length; i++) {
                Problem p = parts[i];
                EngineCore c = cores[i];
                tasks[i] = p == null ? null : () -> c.buildForward(p);
            }
            run(tasks, null);
        }
        return planned;
    }

    /**
     * Runs the forward op of a planned call over the group.
     *
     * @param p the planned call
     * @param mask the call's mask, of the length the whole problem was planned for, or null
     * @param x input
     * @param y output (may be {@code x}: in place)
     * @return nanoseconds each device's part took (0 without a part)
     * @throws IllegalArgumentException if the mask does not fit
     * @throws SoftmaxException naming the device if one fails (the whole output is then NaN)
     */
    public long[] forward(Planned p, byte[] mask, HostData x, HostData y) {
        p.whole().checkMask(mask);
        HostData fullMask = mask != null && p.whole().fullMask() ? HostData.ofArray(mask, (short) 0) : null;
        Runnable[] tasks = tasks(p, (c, part, from, count) -> {
            HostData xi = x.range(from, count);
            HostData yi = y.range(from, count);
            if (fullMask != null) {
                HostData mi = fullMask.range(from, count);
                return () -> c.forward(part, mi, xi, yi);
            }
            return () -> c.forward(part, mask, xi, yi);
        });
        return run(tasks, y);
    }

    /**
     * Runs the gradient of a planned call over the group.
     *
     * @param p the planned call (without a mask)
     * @param y the forward output
     * @param dy the upstream gradient
     * @param dx the result (may be {@code y} or {@code dy})
     * @throws SoftmaxException naming the device if one fails (the whole dx is then NaN)
     */
    public void backward(Planned p, HostData y, HostData dy, HostData dx) {
        Runnable[] tasks = tasks(p, (c, part, from, count) -> {
            HostData yi = y.range(from, count);
            HostData dyi = dy.range(from, count);
            HostData dxi = dx.range(from, count);
            return () -> c.backward(part, yi, dyi, dxi);
        });
        run(tasks, dx);
    }

    /** One device's share of a call: its engine, its part and its elements [from, from + count). */
    @FunctionalInterface
    private interface Share {
        Runnable task(EngineCore core, Problem part, long from, long count);
    }

    /** The task of each device with rows in the planned call, null for the others. */
    private Runnable[] tasks(Planned p, Share share) {
        Runnable[] tasks = new Runnable[cores.length];
        for (int i = 0; i < cores.length; i++) {
            if (p.units()[i] > 0) {
                tasks[i] = share.task(cores[i], p.parts()[i], p.from()[i] * p.unitElements(),
                        p.units()[i] * p.unitElements());
            }
        }
        return tasks;
    }

    /**
     * Runs one task per device at once, the first on the calling thread, and waits for all of them,
     * also when one fails (they write into the caller's memory).
     *
     * @param tasks one per device, null where the device has nothing to do
     * @param output the call's output, filled with NaN if a task fails; or null
     * @return nanoseconds each task took
     */
    long[] run(Runnable[] tasks, HostData output) {
        ensureOpen();
        long[] nanos = new long[tasks.length];
        Throwable[] failed = new Throwable[tasks.length];
        Future<?>[] futures = new Future<?>[tasks.length];
        int mine = -1;
        try {
            for (int i = 0; i < tasks.length; i++) {
                if (tasks[i] == null) {
                    continue;
                }
                if (mine < 0) {
                    mine = i;
                    continue;
                }
                int d = i;
                futures[i] = thread(i).submit(() -> nanos[d] = timed(tasks[d]));
            }
        } catch (RejectedExecutionException e) {
            failed[mine] = new IllegalStateException("SoftmaxGroup is closed", e);
        }
        if (mine >= 0 && failed[mine] == null) {
            try {
                nanos[mine] = timed(tasks[mine]);
            } catch (RuntimeException | Error e) {
                failed[mine] = e;
            }
        }
        boolean interrupted = false;
        for (int i = 0; i < tasks.length; i++) {
            while (futures[i] != null) {
                try {
                    futures[i].get();
                    futures[i] = null;
                } catch (InterruptedException e) {
                    interrupted = true; // the part still writes into the caller's memory: wait for it
                } catch (ExecutionException e) {
                    failed[i] = e.getCause();
                    futures[i] = null;
                }
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        for (int i = 0; i < tasks.length; i++) {
            if (failed[i] != null) {
                if (output != null) {
                    output.fillNaN();
                }
                throw failure(failed, i);
            }
        }
        return nanos;
    }

    private static long timed(Runnable task) {
        long t0 = System.nanoTime();
        task.run();
        return System.nanoTime() - t0;
    }

    /** The first failure, naming its device when it is the device's; the others suppressed in it. */
    private RuntimeException failure(Throwable[] failed, int first) {
        Throwable t = failed[first];
        Throwable out = t instanceof SoftmaxException
                ? new SoftmaxException("device " + cores[first].device().id() + " (" + cores[first].device().name()
                        + "): " + t.getMessage(), t)
                : t;
        for (int i = first + 1; i < failed.length; i++) {
            if (failed[i] != null && failed[i] != t) {
                out.addSuppressed(failed[i]);
            }
        }
        if (out instanceof Error e) {
            throw e;
        }
        return (RuntimeException) out;
    }

    private synchronized ExecutorService thread(int i) {
        if (closed) {
            throw new RejectedExecutionException("closed");
        }
        if (threads[i] == null) {
            String name = "softmax-group-" + cores[i].device().id();
            threads[i] = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, name);
                t.setDaemon(true);
                return t;
            });
        }
        return threads[i];
    }

    private static int lcm(int a, int b) {
        int x = a;
        int y = b;
        while (y != 0) {
            int r = x % y;
            x = y;
            y = r;
        }
        return Math.multiplyExact(a / x, b);
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("SoftmaxGroup is closed");
        }
    }

    /** @return whether {@link #close()} has run */
    public boolean isClosed() {
        return closed;
    }

    /** Stops the group's threads and closes every engine (each waits for a call it is running); idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            for (ExecutorService t : threads) {
                if (t != null) {
                    t.shutdown();
                }
            }
        }
        for (SoftmaxEngine e : engines) {
            e.close();
        }
    }
}
