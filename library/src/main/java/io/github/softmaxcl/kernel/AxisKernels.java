/*
 * The kernels over an (outer, K, inner) view, each defined here in one place (file, defines, launch
 * geometry, argument binding, scratch): any-axis softmax, strided for GPUs (softmax_strided.cl) or
 * row-sweeping for CPUs (softmax_sweep.cl), and the gradient along any axis (softmax_backward_*.cl).
 * Their vector width follows the compute type alone (it shapes the arithmetic, so results depend on
 * nothing else); their local size follows the device (it changes no work-item's arithmetic), and so
 * does the strided kernel's split of K among work-items, which follows K and the device alone.
 *
 * The sweep kernels keep per-column scratch that grows with inner and outer. They run in windows of
 * outer slices and columns sized so that each scratch buffer fits the launcher's cap (the device's
 * largest allocation); windows start at multiples of VEC, so every column keeps its arithmetic and
 * windowed results are bit-identical to one launch over the whole array.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClKernel;
import java.util.List;

final class AxisKernels {
    /** A kernel file and the functions it declares, in the order they are enqueued. */
    record KernelFile(String name, List<String> kernels) {
        KernelFile(String name, String... kernels) {
            this(name, List.of(kernels));
        }
    }

    static final KernelFile STRIDED = new KernelFile("softmax_strided.cl", "softmax_strided");
    static final KernelFile SWEEP = new KernelFile("softmax_sweep.cl", "softmax_sweep_partial",
            "softmax_sweep_combine", "softmax_sweep_finish");
    static final KernelFile BACKWARD_ROWS = new KernelFile("softmax_backward_vector.cl", "softmax_backward_vector");
    static final KernelFile BACKWARD_STRIDED = new KernelFile("softmax_backward_strided.cl",
            "softmax_backward_strided");
    /** Every file here, for tests that build them all. */
    static final List<KernelFile> ALL = List.of(STRIDED, SWEEP, BACKWARD_ROWS, BACKWARD_STRIDED);
    /** Rows softmax_strided holds per block (its BLOCK): a part of K this long stays in registers. */
    static final int STRIDED_BLOCK = 16;
    /** Adjacent columns softmax_strided keeps per work-group at least, for coalesced reads. */
    static final int STRIDED_MIN_COLUMNS = 32;

    private AxisKernels() {}

    /** @return the vector width of every kernel here: that of the last-axis defaults for the type */
    static int vec(ElementType type) {
        return Planner.defaultVec(type);
    }

    /** @return the build options of {@code file} for a type and features (softmax_strided: its defaults) */
    static String options(KernelFile file, ElementType type, Features f) {
        return BuildOptions.join("-DVEC=" + vec(type), BuildOptions.type(type), f.defines());
    }

    /**
     * softmax_strided's shape of work-group: wg work-items, ty of them per column. ty splits K into
     * parts of at most {@link #STRIDED_BLOCK} rows where it can (the part stays in registers: one read
     * and one write), up to wg / {@link #STRIDED_MIN_COLUMNS}. It depends on K and the device only, so
     * results do not depend on how the outer slices are split into calls.
     *
     * @param wg work-group size, a power of two
     * @param ty work-items per column
     */
    record StridedGroup(int wg, int ty) {
        static StridedGroup of(long k, int wg) {
            long blocks = (k + STRIDED_BLOCK - 1) / STRIDED_BLOCK;
            long want = blocks <= 1 ? 1 : Long.highestOneBit(blocks - 1) << 1;
            return new StridedGroup(wg, (int) Math.min(want, Math.max(1, wg / STRIDED_MIN_COLUMNS)));
        }

        /** @return the build options of softmax_strided with this group */
        String options(ElementType type, Features f) {
            return BuildOptions.join("-DWG=" + wg + " -DTY=" + ty, BuildOptions.type(type), f.defines());
        }
    }

    /**
     * Row chunks per slice for the sweep kernels: from the axis length alone (a chunk of about 256
     * rows), never from the number of slices, so a batch split into calls gives the same bits.
     *
     * @param k the axis length
     * @return chunks, 1 to 64
     */
    static int sweepChunks(long k) {
        return (int) Math.max(1, Math.min(64, k / 256));
    }

    /**
     * softmax_strided (x, y, outer, k_len, inner, mask, mask_stride, scale): a work-group per wg / ty
     * consecutive columns (outer * inner in all).
     */
    static void strided(Launch l, StridedGroup g, Features f, ClBuffer x, ClBuffer y, long outer, long k,
            long inner, ClBuffer mask) {
        ClKernel kern = l.kernel(STRIDED.kernels().get(0));
        l.args(kern).buffer(x).buffer(y).u64(outer).u64(k).u64(inner).forward(f, mask, 0);
        long columnsPerGroup = g.wg() / g.ty();
        long groups = (outer * inner + columnsPerGroup - 1) / columnsPerGroup;
        l.run(kern, groups * g.wg(), g.wg());
    }

    /**
     * softmax_sweep_partial, _combine and _finish over windows of (outer slices, columns). Per slice
     * and column, part holds 2 values per chunk and stats 3; a window takes whole rows of columns and
     * as many slices as fit, or one slice and as many VEC-aligned columns as fit.
     */
    static void sweep(Launch l, ElementType type, Features f, ClBuffer x, ClBuffer y, long outer, long k,
            long inner, ClBuffer mask) {
        int chunks = sweepChunks(k);
        int vec = vec(type);
        long cap = l.scratchCap();
        long perColumn = Math.max(2L * chunks, 3) * l.computeBytes();
        long cols;
        long slices;
        if (inner * perColumn <= cap) {
            cols = inner;
            slices = Math.min(outer, cap / (inner * perColumn));
        } else {
            cols = cap / perColumn / vec * vec;
            slices = 1;
        }
        if (cols < 1) {
            throw new IllegalArgumentException("scratch cap of " + cap + " bytes is below one window of " + vec
                    + " columns (" + vec * perColumn + " bytes)");
        }
        ClBuffer part = l.scratch(Launch.PARTS, slices * chunks * 2 * cols * l.computeBytes());
        ClBuffer stats = l.scratch(Launch.STATS, slices * 3 * cols * l.computeBytes());
        ClKernel p = l.kernel(SWEEP.kernels().get(0));
        ClKernel c = l.kernel(SWEEP.kernels().get(1));
        ClKernel fin = l.kernel(SWEEP.kernels().get(2));
        for (long o0 = 0; o0 < outer; o0 += slices) {
            long on = Math.min(slices, outer - o0);
            long items = on * chunks;
            int local = (int) Math.max(1, Math.min(16, items / 8));
            for (long c0 = 0; c0 < inner; c0 += cols) {
                long cn = Math.min(cols, inner - c0);
                l.args(p).buffer(x).buffer(part).u64(k).u64(inner).u32(chunks).u64(o0).u64(on).u64(c0).u64(cn)
                        .forward(f, mask, 0);
                l.run(p, Launch.roundUp(items, local), local);
                l.args(c).buffer(part).buffer(stats).u32(chunks).u64(on).u64(cn);
                l.run(c, Launch.roundUp(on * cn, 64), 64);
                l.args(fin).buffer(x).buffer(y).buffer(stats).u64(k).u64(inner).u32(chunks).u64(o0).u64(on).u64(c0)
                        .u64(cn).forward(f, mask, 0);
                l.run(fin, Launch.roundUp(items, local), local);
            }
        }
    }

    /** @return the gradient's kernel file: one work-item per row for the last axis, else per VEC columns */
    static KernelFile backwardFile(long inner) {
        return inner == 1 ? BACKWARD_ROWS : BACKWARD_STRIDED;
    }

    /**
     * softmax_backward_vector (y, dy, dx, rows, cols, scale) when inner == 1, else
     * softmax_backward_strided (y, dy, dx, outer, k_len, inner, scale).
     */
    static void backward(Launch l, ElementType type, Features f, ClBuffer y, ClBuffer dy, ClBuffer dx, long outer,
            long k, long inner, int local) {
        boolean rows = inner == 1;
        ClKernel kern = l.kernel(backwardFile(inner).kernels().get(0));
        Launch.Args a = l.args(kern).buffer(y).buffer(dy).buffer(dx).u64(outer).u64(k);
        if (!rows) {
            a.u64(inner);
        }
        a.real(f.scale());
        long items = rows ? outer : outer * ((inner + vec(type) - 1) / vec(type));
        l.run(kern, Launch.roundUp(items, local), local);
    }
}
