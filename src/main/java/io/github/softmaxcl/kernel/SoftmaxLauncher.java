/*
 * Enqueues a plan's kernels on device buffers that already hold the input. It owns the small
 * scratch buffer the SPLIT variant needs for its per-group (max, sum) pairs, grown on demand and
 * reused, so repeated calls allocate nothing. Not thread-safe: the engine serialises access.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClQueue;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;

/** Runs softmax kernels on device-resident data. */
public final class SoftmaxLauncher implements AutoCloseable {
    static final String FILE = "softmax.cl";
    /** Vectors per work-item of softmax_strided: 8 measured best of 4, 8 and 16 on PoCL. */
    static final int STRIP = 8;

    private final ClContext context;
    private final ClQueue queue;
    private final ProgramCache programs;
    private ClBuffer scratch;
    private ClBuffer stats;

    /**
     * @param context the context (not owned)
     * @param queue the queue (not owned)
     * @param programs the program cache (not owned)
     */
    public SoftmaxLauncher(ClContext context, ClQueue queue, ProgramCache programs) {
        this(context, queue, programs, null);
    }

    private final io.github.softmaxcl.device.DeviceInfo device;

    /** Interim. */
    public SoftmaxLauncher(ClContext context, ClQueue queue, ProgramCache programs,
            io.github.softmaxcl.device.DeviceInfo device) {
        this.context = context;
        this.queue = queue;
        this.programs = programs;
        this.device = device;
    }

    /** Interim. */
    public void prepare(Plan plan, Features f) {
        if (!plan.precision().isHalf()) {
            prepare(plan);
        }
    }

    private static Plan compute(Plan p) {
        return p.precision().isHalf() ? new Plan(p.variant(), io.github.softmaxcl.ElementType.FLOAT32, p.wg(), p.items(),
                p.unroll(), p.split(), p.vec(), p.cols()) : p;
    }

    /** Interim. */
    public List<ClEvent> enqueueAxis(boolean sweep, io.github.softmaxcl.ElementType type, Features f, ClBuffer x,
            ClBuffer y, long outer, long k, long inner, ClBuffer mask, boolean profile) {
        io.github.softmaxcl.ElementType c = type.computeType();
        Features g = f.storedAs(type);
        if (sweep) {
            return enqueueSweep(Planner.defaultVec(c), c, g, x, y, outer, k, inner, mask, profile);
        }
        int local = Planner.prefersVectors(device) ? 16 : 64;
        List<ClEvent> l = new ArrayList<>();
        add(l, enqueueStrided(Planner.defaultVec(c), local, c, g, x, y, outer, k, inner, mask, profile));
        return l;
    }

    /** Interim. */
    public List<ClEvent> enqueueBackward(io.github.softmaxcl.ElementType type, Features f, ClBuffer y, ClBuffer dy,
            ClBuffer dx, long outer, long k, long inner, boolean profile) {
        io.github.softmaxcl.ElementType c = type.computeType();
        int local = Planner.prefersVectors(device) ? 16 : 64;
        enqueueBackward(Planner.defaultVec(c), local, c, f.storedAs(type), y, dy, dx, outer, k, inner);
        return new ArrayList<>();
    }

    /**
     * Builds the plan's program now, so that timing and first-call latency exclude compilation.
     *
     * @param plan the plan
     * @throws io.github.softmaxcl.cl.ClBuildException if it does not compile
     */
    public void prepare(Plan plan) {
        for (String f : functions(plan)) {
            programs.kernel(FILE, plan.buildOptions(), f);
        }
    }

    private static String options(String base, Features f) {
        String d = f.defines();
        return base.isEmpty() ? d : d.isEmpty() ? base : base + " " + d;
    }

    /** Appends the features' runtime arguments after a kernel's own {@code fixed} arguments. */
    private static void featureArgs(ClKernel k, int fixed, Features f, ClBuffer mask, long maskStride,
            boolean doublePrecision) {
        int i = fixed;
        if (f.mask()) {
            k.arg(i++, mask).arg(i++, maskStride);
        }
        if (f.scaled()) {
            if (doublePrecision) {
                k.argDouble(i, f.scale());
            } else {
                k.argFloat(i, (float) f.scale());
            }
        }
    }

    private static String[] functions(Plan plan) {
        return switch (plan.variant()) {
            case ROWS -> new String[] {"softmax_rows"};
            case TILE -> new String[] {"softmax_tile"};
            case REGISTERS -> new String[] {"softmax_registers"};
            case VECTOR -> new String[] {"softmax_vector"};
            case SPLIT -> new String[] {"softmax_partial", "softmax_finish"};
            case CHUNKS -> new String[] {"softmax_chunk_partial", "softmax_chunk_finish"};
        };
    }

    /**
     * Enqueues softmax of {@code rows x cols} elements from {@code x} into {@code y}, which may be the
     * same buffer: every kernel reads each element it writes before writing it, in the same work-item.
     *
     * @param plan the plan
     * @param x input buffer, at least rows*cols elements
     * @param y output buffer, at least rows*cols elements
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param profile whether to return events for timing
     * @return the kernel events (to be closed by the caller), or an empty list when not profiling
     * @throws io.github.softmaxcl.cl.ClException if a launch fails
     */
    public List<ClEvent> enqueue(Plan plan, ClBuffer x, ClBuffer y, long rows, long cols, boolean profile) {
        return enqueue(plan, Features.PLAIN, x, y, rows, cols, null, 0, profile);
    }

    /**
     * Enqueues a softmax-family call along the last axis.
     *
     * @param plan the plan
     * @param f the features (log, temperature, mask, storage)
     * @param x input buffer
     * @param y output buffer
     * @param rows rows
     * @param cols row length
     * @param mask mask bytes when {@code f.mask()}, else null
     * @param maskStride bytes between mask rows: cols for a full mask, 0 to broadcast one row
     * @param profile whether to return events
     * @return the kernel events (to be closed by the caller), or an empty list when not profiling
     * @throws io.github.softmaxcl.cl.ClException if a launch fails
     */
    public List<ClEvent> enqueue(Plan plan0, Features f0, ClBuffer x, ClBuffer y, long rows, long cols, ClBuffer mask,
            long maskStride, boolean profile) {
        Plan plan = compute(plan0);
        Features f = f0.storedAs(plan0.precision());
        String options = options(plan.buildOptions(), f);
        boolean dbl = plan.precision() == io.github.softmaxcl.ElementType.FLOAT64 && f.storage() == Features.Storage.NATIVE;
        List<ClEvent> events = new ArrayList<>(2);
        try {
            switch (plan.variant()) {
                case ROWS -> {
                    ClKernel k = programs.kernel(FILE, options, "softmax_rows");
                    k.arg(0, x).arg(1, y).arg(2, rows).arg(3, cols);
                    featureArgs(k, 4, f, mask, maskStride, dbl);
                    add(events, k.enqueue(queue, roundUp(rows, plan.wg()), plan.wg(), profile));
                }
                case TILE -> {
                    ClKernel k = programs.kernel(FILE, options, "softmax_tile");
                    k.arg(0, x).arg(1, y).arg(2, rows);
                    featureArgs(k, 3, f, mask, maskStride, dbl);
                    long items = (rows + plan.vec() - 1) / plan.vec();
                    add(events, k.enqueue(queue, roundUp(items, plan.wg()), plan.wg(), profile));
                }
                case REGISTERS -> {
                    ClKernel k = programs.kernel(FILE, options, "softmax_registers");
                    k.arg(0, x).arg(1, y).arg(2, rows).arg(3, cols);
                    featureArgs(k, 4, f, mask, maskStride, dbl);
                    add(events, k.enqueue(queue, rows * plan.wg(), plan.wg(), profile));
                }
                case VECTOR -> {
                    ClKernel k = programs.kernel(FILE, options, "softmax_vector");
                    k.arg(0, x).arg(1, y).arg(2, rows).arg(3, cols);
                    featureArgs(k, 4, f, mask, maskStride, dbl);
                    add(events, k.enqueue(queue, roundUp(rows, plan.wg()), plan.wg(), profile));
                }
                case SPLIT, CHUNKS -> {
                    boolean groups = plan.variant() == Variant.SPLIT;
                    long chunk = plan.chunk(cols);
                    long parts = rows * plan.split();
                    long global = groups ? parts * plan.wg() : roundUp(parts, plan.wg());
                    ClBuffer part = scratch(parts * 2 * plan.precision().bytes());
                    ClKernel p = programs.kernel(FILE, options, groups ? "softmax_partial" : "softmax_chunk_partial");
                    p.arg(0, x).arg(1, part).arg(2, rows).arg(3, cols).arg(4, chunk).argInt(5, plan.split());
                    featureArgs(p, 6, f, mask, maskStride, dbl);
                    add(events, p.enqueue(queue, global, plan.wg(), profile));
                    ClKernel fin = programs.kernel(FILE, options, groups ? "softmax_finish" : "softmax_chunk_finish");
                    fin.arg(0, x).arg(1, y).arg(2, part).arg(3, rows).arg(4, cols).arg(5, chunk)
                            .argInt(6, plan.split());
                    featureArgs(fin, 7, f, mask, maskStride, dbl);
                    add(events, fin.enqueue(queue, global, plan.wg(), profile));
                }
                default -> throw new IllegalStateException("unknown variant " + plan.variant());
            }
        } catch (RuntimeException e) {
            events.forEach(ClEvent::close);
            throw e;
        }
        return events;
    }

    /**
     * Enqueues softmax over the middle axis of an (outer, k, inner) array, inner &gt; 1.
     *
     * @param vec vector width (lanes per work-item)
     * @param local local size
     * @param precision computing precision
     * @param f features
     * @param x input
     * @param y output
     * @param outer outer extent
     * @param k softmax axis extent
     * @param inner inner extent
     * @param mask full-shape mask bytes when {@code f.mask()}, else null
     * @throws io.github.softmaxcl.cl.ClException if the launch fails
     */
    public void enqueueStrided(int vec, int local, io.github.softmaxcl.ElementType precision, Features f, ClBuffer x,
            ClBuffer y, long outer, long k, long inner, ClBuffer mask) {
        ClEvent e = enqueueStrided(vec, local, precision, f, x, y, outer, k, inner, mask, false);
        if (e != null) {
            e.close();
        }
    }

    /**
     * As {@link #enqueueStrided(int, int, io.github.softmaxcl.ElementType, Features, ClBuffer, ClBuffer, long, long,
     * long, ClBuffer)}, optionally returning the kernel's event for timing.
     *
     * @param vec vector width
     * @param local local size
     * @param precision computing precision
     * @param f features
     * @param x input
     * @param y output
     * @param outer outer extent
     * @param k axis extent
     * @param inner inner extent
     * @param mask mask or null
     * @param profile whether to return the event
     * @return the event (the caller closes it) or null
     * @throws io.github.softmaxcl.cl.ClException if the launch fails
     */
    public ClEvent enqueueStrided(int vec, int local, io.github.softmaxcl.ElementType precision, Features f, ClBuffer x,
            ClBuffer y, long outer, long k, long inner, ClBuffer mask, boolean profile) {
        String options = options(stridedOptions(vec, precision, f) + " -DSTRIP=" + STRIP, f);
        ClKernel kern = programs.kernel(FILE, options, "softmax_strided");
        kern.arg(0, x).arg(1, y).arg(2, outer).arg(3, k).arg(4, inner);
        featureArgs(kern, 5, f, mask, 0, precision == io.github.softmaxcl.ElementType.FLOAT64
                && f.storage() == Features.Storage.NATIVE);
        long items = outer * ((inner + (long) vec * STRIP - 1) / ((long) vec * STRIP));
        // Few, wide work-items: keep at least a few work-groups per compute unit.
        int l = (int) Math.max(1, Math.min(local, items / 8));
        return kern.enqueue(queue, roundUp(items, l), l, profile);
    }

    /**
     * Row chunks per slice for the sweep kernels: from the axis length alone (a chunk of about 256
     * rows), never from the number of slices, so a batch split into calls gives the same bits.
     *
     * @param k the axis length
     * @return chunks, 1 to 64
     */
    public static int sweepChunks(long k) {
        return (int) Math.max(1, Math.min(64, k / 256));
    }

    /**
     * Enqueues softmax over the middle axis of an (outer, k, inner) array with the CPU sweep kernels:
     * each work-item streams whole rows of its chunk (see softmax.cl).
     *
     * @param vec vector width
     * @param precision computing precision
     * @param f features
     * @param x input
     * @param y output
     * @param outer outer extent
     * @param k axis extent
     * @param inner inner extent
     * @param mask full-shape mask or null
     * @param profile whether to return the kernels' events
     * @return the events (the caller closes them), empty when not profiling
     * @throws io.github.softmaxcl.cl.ClException if a launch fails
     */
    public List<ClEvent> enqueueSweep(int vec, io.github.softmaxcl.ElementType precision, Features f, ClBuffer x,
            ClBuffer y, long outer, long k, long inner, ClBuffer mask, boolean profile) {
        boolean dbl = precision == io.github.softmaxcl.ElementType.FLOAT64 && f.storage() == Features.Storage.NATIVE;
        String options = options(stridedOptions(vec, precision, f), f);
        int chunks = sweepChunks(k);
        int bytes = dbl ? 8 : 4;
        ClBuffer part = scratch(outer * chunks * 2 * inner * bytes);
        if (stats == null || stats.bytes() < outer * 3 * inner * bytes) {
            if (stats != null) {
                queue.finish();
                stats.close();
            }
            stats = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, outer * 3 * inner * bytes);
        }
        List<ClEvent> events = new ArrayList<>(3);
        try {
            long items = outer * chunks;
            int local = (int) Math.max(1, Math.min(16, items / 8));
            ClKernel p = programs.kernel(FILE, options, "softmax_sweep_partial");
            p.arg(0, x).arg(1, part).arg(2, outer).arg(3, k).arg(4, inner).argInt(5, chunks);
            featureArgs(p, 6, f, mask, 0, dbl);
            add(events, p.enqueue(queue, roundUp(items, local), local, profile));
            ClKernel c = programs.kernel(FILE, options, "softmax_sweep_combine");
            c.arg(0, part).arg(1, stats).arg(2, outer).arg(3, inner).argInt(4, chunks);
            add(events, c.enqueue(queue, roundUp(outer * inner, 64), 64, profile));
            ClKernel fin = programs.kernel(FILE, options, "softmax_sweep_finish");
            fin.arg(0, x).arg(1, y).arg(2, stats).arg(3, outer).arg(4, k).arg(5, inner).argInt(6, chunks);
            featureArgs(fin, 7, f, mask, 0, dbl);
            add(events, fin.enqueue(queue, roundUp(items, local), local, profile));
        } catch (RuntimeException e) {
            events.forEach(ClEvent::close);
            throw e;
        }
        return events;
    }

    /**
     * Enqueues the gradient of softmax (or log-softmax, per {@code f.log()}) with respect to the
     * logits, along the axis of an (outer, k, inner) array; inner == 1 is the last axis.
     *
     * @param vec vector width
     * @param local local size
     * @param precision computing precision
     * @param f features (log, temperature, storage; no mask)
     * @param y forward output
     * @param dy upstream gradient
     * @param dx result
     * @param outer outer extent
     * @param k softmax axis extent
     * @param inner inner extent
     * @throws io.github.softmaxcl.cl.ClException if the launch fails
     */
    public void enqueueBackward(int vec, int local, io.github.softmaxcl.ElementType precision, Features f, ClBuffer y,
            ClBuffer dy, ClBuffer dx, long outer, long k, long inner) {
        String options = options(stridedOptions(vec, precision, f), f);
        boolean rowsLayout = inner == 1;
        ClKernel kern = programs.kernel(FILE, options, rowsLayout ? "softmax_backward_vector" : "softmax_backward_strided");
        kern.arg(0, y).arg(1, dy).arg(2, dx);
        long items;
        if (rowsLayout) {
            kern.arg(3, outer).arg(4, k);
            items = outer;
        } else {
            kern.arg(3, outer).arg(4, k).arg(5, inner);
            items = outer * ((inner + vec - 1) / vec);
        }
        featureArgs(kern, rowsLayout ? 5 : 6, new Features(f.log(), f.scale(), false, false, f.storage()), null, 0,
                precision == io.github.softmaxcl.ElementType.FLOAT64 && f.storage() == Features.Storage.NATIVE);
        kern.enqueue(queue, roundUp(items, local), local, false);
    }

    private static String stridedOptions(int vec, io.github.softmaxcl.ElementType precision, Features f) {
        return "-DVEC=" + vec + (precision == io.github.softmaxcl.ElementType.FLOAT64
                && f.storage() == Features.Storage.NATIVE ? " -DUSE_DOUBLE" : "");
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
        try (ClEvent e = k.enqueue(queue, (items + wg - 1) / wg * wg, wg, true)) {
            return e.elapsedNanos();
        }
    }

    private static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    private static void add(List<ClEvent> events, ClEvent e) {
        if (e != null) {
            events.add(e);
        }
    }

    private ClBuffer scratch(long bytes) {
        if (scratch == null || scratch.bytes() < bytes) {
            if (scratch != null) {
                queue.finish(); // a previous launch may still read the old scratch buffer
                scratch.close();
                scratch = null;
            }
            scratch = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes);
        }
        return scratch;
    }

    @Override
    public void close() {
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
        if (stats != null) {
            stats.close();
            stats = null;
        }
    }
}
