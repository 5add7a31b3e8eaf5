/*
 * Enqueues softmax-family kernels on device buffers that already hold the input: the one door from
 * the engine to the kernel layer. What each kernel needs is defined with the kernel (Variant for the
 * last axis, AxisKernels for the (outer, K, inner) kernels); this class owns what calls share: the
 * scratch buffers (grown on demand and reused, so repeated calls allocate nothing) and the one-byte
 * buffer bound as the mask of calls without one.
 *
 * Kernels run within their own limits, which a compiler may set below the device's (registers, local
 * memory): a plan whose work-group a kernel cannot run is planned again as for a device with that
 * smaller maximum, the strided any-axis kernel is built for the largest work-group it can run, and
 * the local size of a kernel with no compiled-in work-group size is cut to a divisor that fits (Launch).
 *
 * Failure safety: a replacement scratch buffer is allocated before the one it replaces is released,
 * so a failed allocation leaves the old buffer in place and the next call works; no scratch buffer is
 * ever larger than the cap (the device's largest allocation) because the kernels that need scratch run
 * in windows that fit it. Not thread-safe: the engine serialises access.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.device.DeviceInfo;
import java.util.List;
import org.jocl.CL;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Runs softmax kernels on device-resident data. */
public final class SoftmaxLauncher implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SoftmaxLauncher.class);
    private final ClContext context;
    private final ClQueue queue;
    private final ProgramCache programs;
    private final DeviceInfo device;
    private final long scratchCap;
    private final ClBuffer[] scratch = new ClBuffer[2];
    private final ClBuffer dummyMask;
    /** A cap on every kernel's work-group limit, below the compiler's only in tests. */
    private long groupCap = Long.MAX_VALUE;
    /** Told of every launch (tests check geometry against device profiles). */
    private LaunchObserver observer = LaunchObserver.NONE;

    /** Sees each kernel launch as it is enqueued. */
    @FunctionalInterface
    interface LaunchObserver {
        /** Observes nothing. */
        LaunchObserver NONE = (file, options, kernel, global, local) -> { };

        /**
         * @param file the kernel file
         * @param options its build options
         * @param kernel the kernel
         * @param global global size
         * @param local local size, after fitting the kernel's limit
         */
        void launched(String file, String options, ClKernel kernel, long global, long local);
    }

    /**
     * @param ctx the context (not owned)
     * @param queue the queue (not owned)
     * @param programs the program cache (not owned)
     * @param device the context's device: its maximum allocation caps every scratch buffer
     * @throws io.github.softmaxcl.cl.ClException if the one-byte placeholder mask cannot be allocated
     */
    public SoftmaxLauncher(ClContext ctx, ClQueue queue, ProgramCache programs, DeviceInfo device) {
        this(ctx, queue, programs, device, device.maxAllocBytes());
    }

    /** As the public constructor with an explicit scratch cap (tests force small ones). */
    SoftmaxLauncher(ClContext ctx, ClQueue queue, ProgramCache programs, DeviceInfo device, long scratchCap) {
        this.context = ctx;
        this.queue = queue;
        this.programs = programs;
        this.device = device;
        this.scratchCap = scratchCap;
        this.dummyMask = ClBuffer.allocate(ctx, CL.CL_MEM_READ_ONLY, 1);
    }

    /**
     * Builds the plan's program now, so that timing and first-call latency exclude compilation.
     *
     * @param plan the plan
     * @param f the features it will run with
     * @throws io.github.softmaxcl.cl.ClBuildException if it does not compile
     */
    public void prepare(Plan plan, Features f) {
        String options = BuildOptions.join(plan.buildOptions(), f.defines());
        for (String function : plan.variant().kernels()) {
            programs.kernel(plan.variant().file(), options, function);
        }
    }

    /**
     * Enqueues a softmax-family call along the last axis: {@code rows x cols} elements of the plan's
     * type from {@code x} into {@code y}, which may be the same buffer (every kernel reads each element
     * it writes before writing it, in the same work-item).
     *
     * @param plan the plan
     * @param f the features (log, temperature, mask, masked rows)
     * @param x input buffer, at least rows*cols elements
     * @param y output buffer, at least rows*cols elements; may be x
     * @param rows rows (none: nothing is enqueued)
     * @param cols row length (none: nothing is enqueued)
     * @param mask mask bytes when {@code f.mask()}, else null
     * @param maskStride bytes between mask rows: cols for a full mask, 0 to broadcast one row
     * @param profile whether to return the kernels' events
     * @return the kernel events (to be closed by the caller), or an empty list when not profiling
     * @throws IllegalArgumentException if {@code f.mask()} and mask is null
     * @throws io.github.softmaxcl.cl.ClException if a launch fails
     */
    public List<ClEvent> enqueue(Plan plan, Features f, ClBuffer x, ClBuffer y, long rows, long cols, ClBuffer mask,
            long maskStride, boolean profile) {
        requireMask(f, mask);
        if (rows == 0 || cols == 0) {
            return List.of();
        }
        Plan fitted = fit(plan, f, rows, cols);
        Variant v = fitted.variant();
        Launch l = new Launch(this, v.file(), BuildOptions.join(fitted.buildOptions(), f.defines()), fitted.type(),
                profile);
        RowCall call = new RowCall(f, x, y, rows, cols, mask, maskStride);
        return l.execute(() -> v.enqueue(l, fitted, call));
    }

    /**
     * The plan, or, when one of its kernels cannot run the plan's work-group size here, the plan made
     * for a device whose largest work-group is that kernel's limit (the variant's own rules then
     * decide: fewer values per work-group, or another variant). It depends on the device and the
     * build, so every chunk of a call, and every call of a shape, gets the same plan.
     *
     * @param plan the plan
     * @param f the features it runs with
     * @param rows rows of the call
     * @param cols row length
     * @return a plan every kernel of which can run its work-group size
     * @throws io.github.softmaxcl.cl.ClBuildException if a kernel does not compile
     * @throws IllegalStateException if no plan fits (a kernel that cannot run a work-group of 1)
     */
    Plan fit(Plan plan, Features f, long rows, long cols) {
        Plan p = plan;
        for (int tries = 0; tries < 32; tries++) {
            long limit = groupLimit(p, f);
            if (p.wg() <= limit) {
                return p;
            }
            DeviceInfo smaller = device.withMaxWorkGroupSize(Long.highestOneBit(Math.max(1, limit)));
            Tunables keep = new Tunables(p.variant().isVector() ? p.vec() : 0, 0, 0, 0);
            Plan next;
            try {
                next = Planner.configure(p.variant(), rows, cols, p.type(), smaller, p.split() > 1 ? p.split() : 0,
                        keep);
            } catch (IllegalArgumentException e) {
                next = Planner.plan(rows, cols, p.type(), smaller, null, 0, Tuning.NONE);
            }
            LOG.debug("{} runs work-groups of at most {} here: {} instead", p, limit, next);
            p = next;
        }
        throw new IllegalStateException("no plan for rows of " + cols + " fits the kernels' work-group limits, last "
                + p);
    }

    /** @return the smallest work-group limit of the plan's kernels, which are built if need be */
    private long groupLimit(Plan p, Features f) {
        String options = BuildOptions.join(p.buildOptions(), f.defines());
        long limit = Long.MAX_VALUE;
        for (String function : p.variant().kernels()) {
            limit = Math.min(limit, groupLimit(programs.kernel(p.variant().file(), options, function)));
        }
        return limit;
    }

    /** @return the largest work-group {@code k} may be launched with */
    long groupLimit(ClKernel k) {
        return Math.min(groupCap, k.limits().workGroupSize());
    }

    /** Caps every kernel's work-group limit, as a compiler short of registers would (tests). */
    void capKernelWorkGroups(long cap) {
        groupCap = cap;
    }

    /** Sets what is told of every launch (tests). */
    void observe(LaunchObserver o) {
        observer = o;
    }

    LaunchObserver observer() {
        return observer;
    }

    /**
     * Enqueues a softmax-family call over the middle axis of an (outer, k, inner) array, inner &gt; 1,
     * read and written in place on the strided layout.
     *
     * @param sweep the CPU row-sweeping kernels, else the strided (GPU) kernel
     * @param type element type as stored
     * @param f the features
     * @param x input
     * @param y output, not x
     * @param outer outer extent
     * @param k softmax axis extent
     * @param inner inner extent
     * @param mask full-shape mask bytes when {@code f.mask()}, else null
     * @param profile whether to return the kernels' events
     * @return the kernel events (to be closed by the caller), or an empty list when not profiling
     * @throws IllegalArgumentException if {@code f.mask()} and mask is null
     * @throws io.github.softmaxcl.cl.ClException if a launch fails
     */
    public List<ClEvent> enqueueAxis(boolean sweep, ElementType type, Features f, ClBuffer x, ClBuffer y, long outer,
            long k, long inner, ClBuffer mask, boolean profile) {
        requireMask(f, mask);
        if (outer == 0 || k == 0 || inner == 0) {
            return List.of();
        }
        if (sweep) {
            Launch l = new Launch(this, AxisKernels.SWEEP.name(), AxisKernels.options(AxisKernels.SWEEP, type, f), type,
                    profile);
            return l.execute(() -> AxisKernels.sweep(l, type, f, x, y, outer, k, inner, mask));
        }
        AxisKernels.StridedGroup g = stridedGroup(type, f, k);
        Launch l = new Launch(this, AxisKernels.STRIDED.name(), g.options(type, f), type, profile);
        return l.execute(() -> AxisKernels.strided(l, g, f, x, y, outer, k, inner, mask));
    }

    /**
     * softmax_strided's work-group for an axis of k: the device's default size, or, when the kernel
     * built for it cannot run that many work-items here, the largest power of two it can (the kernel
     * is compiled for its work-group size, so the size is chosen before the launch, not cut at it).
     */
    private AxisKernels.StridedGroup stridedGroup(ElementType type, Features f, long k) {
        AxisKernels.StridedGroup g = AxisKernels.StridedGroup.of(k, Planner.defaultWorkGroup(device));
        String function = AxisKernels.STRIDED.kernels().get(0);
        while (g.wg() > 1) {
            long limit = groupLimit(programs.kernel(AxisKernels.STRIDED.name(), g.options(type, f), function));
            if (g.wg() <= limit) {
                break;
            }
            AxisKernels.StridedGroup smaller = AxisKernels.StridedGroup.of(k, (int) Long.highestOneBit(Math.max(1,
                    Math.min(limit, g.wg() / 2))));
            LOG.debug("softmax_strided runs work-groups of at most {} here: {} instead of {}", limit, smaller, g);
            g = smaller;
        }
        return g;
    }

    /**
     * Enqueues the gradient of softmax (or log-softmax, per {@code f.log()}) with respect to the
     * logits, along the axis of an (outer, k, inner) array; inner == 1 is the last axis.
     *
     * @param type element type as stored
     * @param f features (log and temperature apply; mask and masked rows do not)
     * @param y forward output
     * @param dy upstream gradient
     * @param dx result
     * @param outer outer extent
     * @param k softmax axis extent
     * @param inner inner extent
     * @param profile whether to return the kernel's event
     * @return the kernel events (to be closed by the caller), or an empty list when not profiling
     * @throws io.github.softmaxcl.cl.ClException if the launch fails
     */
    public List<ClEvent> enqueueBackward(ElementType type, Features f, ClBuffer y, ClBuffer dy, ClBuffer dx,
            long outer, long k, long inner, boolean profile) {
        if (outer == 0 || k == 0 || inner == 0) {
            return List.of();
        }
        AxisKernels.KernelFile file = AxisKernels.backwardFile(inner);
        Features g = f.forGradient();
        Launch l = new Launch(this, file.name(), AxisKernels.options(file, type, g), type, profile);
        return l.execute(() -> AxisKernels.backward(l, type, g, y, dy, dx, outer, k, inner, local()));
    }

    /**
     * Runs the copy kernel over {@code bytes} bytes and returns its device time.
     *
     * @param x source
     * @param y destination
     * @param bytes bytes to copy, a multiple of 4
     * @return nanoseconds of kernel execution
     * @throws io.github.softmaxcl.cl.ClException if the launch fails
     */
    public long copyNanos(ClBuffer x, ClBuffer y, long bytes) {
        // 16 words (64 bytes, a cache line) per work-item, groups of 64: the steadiest of the shapes
        // measured on PoCL, and coalesced on GPUs.
        int vec = 16;
        int wg = 64;
        ClKernel k = programs.kernel("copy.cl", "-DVEC=" + vec, "copy_words");
        long words = bytes / 4;
        long items = (words + vec - 1) / vec;
        k.arg(0, x).arg(1, y).arg(2, words);
        long global = Launch.roundUp(items, wg);
        try (ClEvent e = k.enqueue(queue, global, Launch.fitLocal(k, global, wg, groupLimit(k)), true)) {
            return e.elapsedNanos();
        }
    }

    /** Local size of the one-work-item-per-column kernels: few, wide work-items on CPUs. */
    private int local() {
        return Planner.prefersVectors(device) ? 16 : 64;
    }

    private static void requireMask(Features f, ClBuffer mask) {
        if (f.mask() && mask == null) {
            throw new IllegalArgumentException("features read a mask, but mask is null");
        }
    }

    ProgramCache programs() {
        return programs;
    }

    ClQueue queue() {
        return queue;
    }

    ClBuffer dummyMask() {
        return dummyMask;
    }

    long scratchCap() {
        return scratchCap;
    }

    /**
     * The scratch buffer in {@code slot}, at least {@code bytes} long: the current one if it is large
     * enough, else a new one, allocated before the old one is released.
     */
    ClBuffer scratch(int slot, long bytes) {
        if (bytes > scratchCap) {
            throw new IllegalStateException("scratch of " + bytes + " bytes asked for, above the cap of "
                    + scratchCap + " (a kernel definition must window its work)");
        }
        ClBuffer old = scratch[slot];
        if (old != null && old.bytes() >= bytes) {
            return old;
        }
        ClBuffer fresh = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes); // on failure, old stays
        scratch[slot] = fresh;
        if (old != null) {
            try {
                queue.finish(); // a launch may still read the old buffer
            } finally {
                old.close();
            }
        }
        return fresh;
    }

    /** Releases the scratch and placeholder buffers. Idempotent. */
    @Override
    public void close() {
        for (int i = 0; i < scratch.length; i++) {
            if (scratch[i] != null) {
                scratch[i].close();
                scratch[i] = null;
            }
        }
        dummyMask.close();
    }
}
