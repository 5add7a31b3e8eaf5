/*
 * Enqueues softmax-family kernels on device buffers that already hold the input: the one door from
 * the engine to the kernel layer. What each kernel needs is defined with the kernel (Variant for the
 * last axis, AxisKernels for the (outer, K, inner) kernels); this class owns what calls share: the
 * scratch buffers (grown on demand and reused, so repeated calls allocate nothing) and the one-byte
 * buffer bound as the mask of calls without one.
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

/** Runs softmax kernels on device-resident data. */
public final class SoftmaxLauncher implements AutoCloseable {
    private final ClContext context;
    private final ClQueue queue;
    private final ProgramCache programs;
    private final DeviceInfo device;
    private final long scratchCap;
    private final ClBuffer[] scratch = new ClBuffer[2];
    private final ClBuffer dummyMask;

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
        Variant v = plan.variant();
        Launch l = new Launch(this, v.file(), BuildOptions.join(plan.buildOptions(), f.defines()), plan.type(),
                profile);
        RowCall call = new RowCall(f, x, y, rows, cols, mask, maskStride);
        return l.execute(() -> v.enqueue(l, plan, call));
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
        AxisKernels.KernelFile file = sweep ? AxisKernels.SWEEP : AxisKernels.STRIDED;
        Launch l = new Launch(this, file.name(), AxisKernels.options(file, type, f), type, profile);
        return l.execute(() -> {
            if (sweep) {
                AxisKernels.sweep(l, type, f, x, y, outer, k, inner, mask);
            } else {
                AxisKernels.strided(l, type, f, x, y, outer, k, inner, mask, local());
            }
        });
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
        try (ClEvent e = k.enqueue(queue, Launch.roundUp(items, wg), wg, true)) {
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
