/*
 * Everything an engine owns on its device (context, queues, programs, launchers, reused buffers,
 * live device tensors) and the one lock every call takes. Calls arrive here already described as a
 * Problem plus operands; host operands go through the Pipeline, device operands run in place. On any
 * failure the host output is filled with NaN and every owner stays valid, so the same engine serves
 * the next call.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.kernel.Plan;
import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.kernel.ProgramCache;
import io.github.softmaxcl.kernel.SoftmaxLauncher;
import io.github.softmaxcl.kernel.Tuning;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import org.jocl.CL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The native state and the execution of one engine. */
public final class EngineCore implements AutoCloseable {
    /** Logged under the public class's name: users configure "io.github.softmaxcl.SoftmaxEngine". */
    private static final Logger LOG = LoggerFactory.getLogger(io.github.softmaxcl.SoftmaxEngine.class);
    private static final int PROBLEM_CACHE = 64;

    private final EngineConfig config;
    private final DeviceInfo device;
    private final long chunkBytes;
    private final Tuning tuning;
    private final ReentrantLock lock = new ReentrantLock();
    private final ClContext context;
    private final ProgramCache programs;
    private final Lane[] lanes = new Lane[2];
    private final BufferPool pool;
    private final Pipeline pipeline = new Pipeline(this);
    private final Set<DeviceData> live = ConcurrentHashMap.newKeySet();
    private final Map<ProblemKey, Problem> problems = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<ProblemKey, Problem> e) {
            return size() > PROBLEM_CACHE;
        }
    };
    private boolean closed;

    private record ProblemKey(OpSpec op, int maskLength, ElementType type, List<Long> shape) {}

    private EngineCore(EngineConfig config) {
        this.config = config;
        this.device = config.device() != null ? config.device() : Devices.select(config.spec());
        long cap = Math.min(device.maxAllocBytes(), Math.max(1, device.globalMemBytes() / 4));
        this.chunkBytes = config.maxChunkBytes() > 0 ? Math.min(config.maxChunkBytes(), cap) : cap;
        this.tuning = config.tuning() ? Tuning.load(device) : Tuning.NONE;
        ClContext ctx = new ClContext(device.platform(), device.device(), device.simulator());
        try {
            // Builds happen below the pipeline (in prepare, or in a chunk's first launch); the hook
            // lets a test fail one as clBuildProgram would, at the chunk the pipeline is on.
            this.programs = new ProgramCache(ctx,
                    (file, options) -> config.faults().before("clBuildProgram", pipeline.chunk()));
            this.lanes[0] = newLane(ctx, programs);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
        this.context = ctx;
        this.pool = new BufferPool(ctx, config.faults());
        LOG.info("softmax-cl device {}{}", device.describe(),
                tuning.entries().isEmpty() ? "" : " with " + tuning.entries().size() + " tuned entries");
    }

    private Lane newLane(ClContext ctx, ProgramCache p) {
        ClQueue q = new ClQueue(ctx);
        try {
            return new Lane(q, new SoftmaxLauncher(ctx, q, p, device));
        } catch (RuntimeException e) {
            q.close();
            throw e;
        }
    }

    /**
     * @param config the configuration
     * @return an open engine core
     * @throws io.github.softmaxcl.OpenClUnavailableException if there is no OpenCL platform
     * @throws IllegalArgumentException if the device spec matches no device
     * @throws io.github.softmaxcl.cl.ClException if the device cannot be opened
     */
    public static EngineCore open(EngineConfig config) {
        return new EngineCore(config);
    }

    /** @return the configuration */
    public EngineConfig config() {
        return config;
    }

    /** @return the device */
    public DeviceInfo device() {
        return device;
    }

    /** @return the largest device buffer a call allocates, in bytes; one softmax slice must fit */
    public long maxChunkBytes() {
        return chunkBytes;
    }

    /** @return the tuned entries in use */
    public Tuning tuning() {
        return tuning;
    }

    /** @return the lock every call on this engine takes */
    public ReentrantLock lock() {
        return lock;
    }

    ClContext context() {
        return context;
    }

    BufferPool pool() {
        return pool;
    }

    Faults faults() {
        return config.faults();
    }

    /** @return the programs built so far (the cache is shared by both lanes) */
    public ProgramCache programs() {
        return programs;
    }

    /**
     * @param n 1 or 2
     * @return the first {@code n} lanes, creating the second on first use
     */
    Lane[] lanes(int n) {
        if (n > 1 && lanes[1] == null) {
            lanes[1] = newLane(context, programs);
        }
        return Arrays.copyOf(lanes, n);
    }

    /** @return whether any-axis calls use the CPU sweep kernels (else the GPU strided kernel) */
    public boolean sweepsAxis() {
        return config.sweepAxis() != null ? config.sweepAxis() : Planner.prefersVectors(device);
    }

    /**
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param type element type
     * @return the last-axis plan this engine uses for that shape
     * @throws IllegalArgumentException if a forced variant cannot run it
     */
    public Plan plan(long rows, long cols, ElementType type) {
        return Planner.plan(rows, cols, type, device, config.variant(), config.split(), tuning);
    }

    /**
     * Rows a caller splitting a batch into several calls should keep together for identical bits.
     *
     * @param cols row length, &gt;= 1
     * @param type element type
     * @return the row group
     */
    public int rowGroup(long cols, ElementType type) {
        return plan(1, cols, type).rowGroup();
    }

    /**
     * @param op the op
     * @param type element type
     * @param shape shape
     * @return the validated, planned problem (cached)
     * @throws IllegalArgumentException if the shape, axis or mask do not fit
     * @throws UnsupportedOperationException if the device cannot compute in {@code type}
     */
    public Problem problem(OpSpec op, ElementType type, long[] shape) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        return problem(op, op.mask() == null ? -1 : op.mask().length, type, shape);
    }

    /**
     * As {@link #problem(OpSpec, ElementType, long[])} for calls that pass masks of {@code maskLength}
     * (-1: none) instead of the op's: a device group's part of a call, given its part of the mask.
     */
    public Problem problem(OpSpec op, int maskLength, ElementType type, long[] shape) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        ProblemKey key = new ProblemKey(new OpSpec(op.log(), op.axis(), op.temperature(), null, op.maskedZero()),
                maskLength, type, shape == null ? null : Arrays.stream(shape).boxed().toList());
        lock.lock();
        try {
            ensureOpen();
            Problem p = problems.get(key);
            if (p == null) {
                p = Problem.of(op, maskLength, type, shape, this);
                problems.put(key, p);
            }
            return p;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Builds the forward kernels of a problem now (they are cached), so that build errors and build
     * time come with planning rather than with the first call. Gradients build their own kernels at
     * their first launch, so a problem used only backward never builds forward kernels.
     *
     * @param p the problem
     * @throws io.github.softmaxcl.SoftmaxException if a kernel does not build
     */
    public void buildForward(Problem p) {
        if (p.plan() == null) {
            return;
        }
        lock.lock();
        try {
            ensureOpen();
            lanes[0].launcher().prepare(p.plan(), p.features());
        } finally {
            lock.unlock();
        }
    }

    /**
     * Runs the forward op.
     *
     * @param p the problem
     * @param mask the mask, of the length the problem was planned for, or null
     * @param x input
     * @param y output (may be {@code x}: in place)
     * @throws io.github.softmaxcl.cl.ClException if the device fails (a host output is then all NaN)
     */
    public void forward(Problem p, byte[] mask, Operand x, Operand y) {
        execute(p, p.checkMask(mask), null, new Operand[] {x}, y, rowGroup(p), forwardStep(p));
    }

    /**
     * As {@link #forward(Problem, byte[], Operand, Operand)} on host memory, with a full mask given as
     * a view (a device group's part of a call, with its part of the caller's mask).
     */
    public void forward(Problem p, HostData mask, HostData x, HostData y) {
        if (!p.fullMask() || mask.elements() != p.maskLength()) {
            throw new IllegalArgumentException("the problem was planned for " + (p.fullMask() ? "a full mask of "
                    + p.maskLength() : "no full mask") + ", the call has a full mask of " + mask.elements());
        }
        execute(p, null, mask, new Operand[] {x}, y, rowGroup(p), forwardStep(p));
    }

    private Pipeline.Step forwardStep(Problem p) {
        return (lane, in, out, m, n) -> {
            if (p.plan() != null) {
                lane.launcher().enqueue(p.plan(), p.features(), in[0], out, n, p.k(), m, p.maskStride(), false);
            } else {
                lane.launcher().enqueueAxis(sweepsAxis(), p.type(), p.features(), in[0], out, n, p.k(), p.inner(),
                        m, false);
            }
        };
    }

    private static int rowGroup(Problem p) {
        return p.plan() != null ? p.plan().rowGroup() : 1;
    }

    /**
     * Runs the gradient.
     *
     * @param p the problem (its op says softmax or log-softmax, axis and temperature)
     * @param y the forward output
     * @param dy the upstream gradient
     * @param dx the result (may be {@code y} or {@code dy})
     * @throws io.github.softmaxcl.cl.ClException if the device fails (a host dx is then all NaN)
     */
    public void backward(Problem p, Operand y, Operand dy, Operand dx) {
        Pipeline.Step step = (lane, in, out, mask, n) -> lane.launcher().enqueueBackward(p.type(), p.features(),
                in[0], in[1], out, n, p.k(), p.inner(), false);
        execute(p, p.checkMask(null), null, new Operand[] {y, dy}, dx, 1, step);
    }

    /** {@code maskView}: a full mask as a view of host memory (a group's part), in place of {@code mask}. */
    private void execute(Problem p, byte[] mask, HostData maskView, Operand[] inputs, Operand output, int group,
            Pipeline.Step step) {
        if (p.elements() == 0) {
            return;
        }
        lock.lock();
        try {
            ensureOpen();
            if (output instanceof HostData h) {
                HostData[] in = new HostData[inputs.length];
                for (int i = 0; i < in.length; i++) {
                    in[i] = (HostData) inputs[i];
                }
                HostData fullMask = maskView != null ? maskView
                        : p.fullMask() ? HostData.ofArray(mask, (short) 0) : null;
                byte[] rowMask = mask != null && !p.fullMask() ? mask : null;
                try {
                    pipeline.run(new Pipeline.Job(p.type(), in, h, fullMask, rowMask, p.outer(),
                            p.k() * p.inner(), group, step));
                } catch (RuntimeException e) {
                    h.fillNaN();
                    throw e;
                }
            } else {
                onDevice(p, mask, inputs, (DeviceData) output, step);
            }
        } finally {
            lock.unlock();
        }
    }

    private void onDevice(Problem p, byte[] m, Operand[] inputs, DeviceData out, Pipeline.Step step) {
        ClBuffer[] in = new ClBuffer[inputs.length];
        boolean inPlace = false;
        for (int i = 0; i < in.length; i++) {
            in[i] = ((DeviceData) inputs[i]).buffer();
            inPlace |= inputs[i] == out;
        }
        ClBuffer mask = null;
        Lane lane = lanes[0];
        try {
            if (m != null) {
                mask = pool.device("mask-row", m.length, 0);
                mask.write(lane.queue(), 0, m.length, org.jocl.Pointer.to(m));
            }
            if (config.poison() && !inPlace) {
                Pipeline.fillNaN(lane.queue(), out.buffer(), out.bytes(), p.type(), device.simulator());
            }
            config.faults().before("clEnqueueNDRangeKernel", 0);
            step.run(lane, in, out.buffer(), mask, p.outer());
            lane.queue().finish();
        } finally {
            lane.finishQuietly();
        }
    }

    /**
     * @param type element type
     * @param shape shape, at least one element
     * @return a new device tensor's state
     * @throws IllegalArgumentException if the shape is bad or larger than one allocation allows
     * @throws UnsupportedOperationException for float64 on a device without cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the allocation fails
     */
    public DeviceData allocate(ElementType type, long[] shape) {
        long[] s = Shapes.check(shape);
        long n = Shapes.elements(s);
        if (type == null) {
            throw new IllegalArgumentException("element type must not be null");
        }
        if (type == ElementType.FLOAT64 && !device.fp64()) {
            throw new UnsupportedOperationException("device " + device.name()
                    + " does not support float64 (no cl_khr_fp64); use float32");
        }
        long bytes = Math.multiplyExact(Math.max(1, n), (long) type.bytes());
        if (bytes > device.maxAllocBytes()) {
            throw new IllegalArgumentException(Arrays.toString(s) + " " + type.label() + " is " + bytes
                    + " bytes, more than one allocation on this device allows (" + device.maxAllocBytes() + ")");
        }
        lock.lock();
        try {
            ensureOpen();
            config.faults().before("clCreateBuffer", 0);
            DeviceData d = new DeviceData(this, type, s, n, ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes));
            live.add(d);
            return d;
        } finally {
            lock.unlock();
        }
    }

    void forget(DeviceData d) {
        live.remove(d);
    }

    void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("SoftmaxEngine is closed");
        }
    }

    /** @return whether {@link #close()} has run */
    public boolean isClosed() {
        return closed;
    }

    /** Releases every device tensor, buffer, program, queue and the context; idempotent. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            for (DeviceData d : new ArrayList<>(live)) {
                d.releaseLocked();
            }
            pool.close();
            for (Lane l : lanes) {
                if (l != null) {
                    l.close();
                }
            }
            programs.close();
            context.close();
        } finally {
            lock.unlock();
        }
    }
}
