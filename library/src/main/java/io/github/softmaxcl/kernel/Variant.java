/*
 * The last-axis kernel variants, each defined here in one place: its kernel file and functions, the
 * rows it takes by default, its limits and parameters (configure), its -D defines, its row grouping,
 * and its launch geometry and argument binding. Plan, Planner and SoftmaxLauncher ask the variant
 * instead of switching on it. Tests, benchmarks, the tuner and the command line iterate the values.
 *
 * Work-group variants suit GPUs (a row spread over lanes, coalesced loads); vector variants suit CPUs
 * (one work-item per core, explicit vectors so exp runs at memory speed). Declaration order is the
 * planner's order of preference within each family.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.device.DeviceInfo;
import java.util.List;

/** A softmax kernel variant for rows along the last axis. */
public enum Variant {
    /**
     * GPU, short rows: a work-group per block of rows, staged through local memory with coalesced
     * reads and writes, one work-item per row; 1 read + 1 write. Row length compiled in.
     */
    ROWS(false, "softmax_rows.cl", "softmax_rows") {
        @Override
        boolean takes(long cols, ElementType type, DeviceInfo device) {
            return cols <= Planner.SHORT_ROW;
        }

        @Override
        Plan configure(Planner.Request r) {
            if (r.cols() > Planner.MAX_ROWS_VARIANT) {
                throw new IllegalArgumentException("variant ROWS handles rows of at most " + Planner.MAX_ROWS_VARIANT
                        + " elements (rows are staged in local memory), got cols=" + r.cols());
            }
            long rowBytes = (r.cols() | 1) * r.type().computeType().bytes();
            long fit = r.device().localMemBytes() / rowBytes;
            if (fit < 1) {
                throw new IllegalArgumentException("variant ROWS stages a row of " + r.cols() + " elements in "
                        + rowBytes + " bytes of local memory; the device has " + r.device().localMemBytes());
            }
            int group = r.localOr(Math.min(Planner.ROWS_PER_GROUP, r.wg()));
            if (group > fit) {
                group = Integer.highestOneBit((int) fit);
            }
            return new Plan(this, r.type(), group, 1, 1, 1, 1, (int) r.cols());
        }

        @Override
        String defines(Plan p) {
            return "-DWG=" + p.wg() + " -DCOLS=" + p.cols();
        }

        @Override
        String describe(Plan p) {
            return ", cols=" + p.cols();
        }

        @Override
        void enqueue(Launch l, Plan p, RowCall c) {
            oneKernel(l, c, Launch.roundUp(c.rows(), p.wg()), p.wg());
        }
    },
    /** CPU, short rows: VEC rows per work-item, one row per vector lane; row length compiled in. */
    TILE(true, "softmax_tile.cl", "softmax_tile") {
        @Override
        boolean takes(long cols, ElementType type, DeviceInfo device) {
            return cols <= Planner.SHORT_ROW;
        }

        @Override
        Plan configure(Planner.Request r) {
            if (r.cols() > Planner.MAX_TILE_COLS) {
                throw new IllegalArgumentException("variant TILE handles rows of at most " + Planner.MAX_TILE_COLS
                        + " elements, got cols=" + r.cols());
            }
            long tiles = (r.rows() + r.vec() - 1) / r.vec();
            return new Plan(this, r.type(), r.localOr(r.cpuLocal(tiles)), 1, 1, 1, r.vec(), (int) r.cols());
        }

        @Override
        String defines(Plan p) {
            return "-DVEC=" + p.vec() + " -DCOLS=" + p.cols();
        }

        @Override
        String describe(Plan p) {
            return ", vec=" + p.vec() + ", cols=" + p.cols();
        }

        @Override
        int rowGroup(Plan p) {
            return p.vec(); // each tile of vec rows is shifted by its own max
        }

        @Override
        void enqueue(Launch l, Plan p, RowCall c) {
            long tiles = (c.rows() + p.vec() - 1) / p.vec();
            oneKernel(l, c, Launch.roundUp(tiles, p.wg()), p.wg());
        }
    },
    /**
     * GPU, rows up to 16384: one work-group per row, row in private memory; 1 read + 1 write. The
     * default work-group grows past the device default (up to 1024) when the row needs it.
     */
    REGISTERS(false, "softmax_registers.cl", "softmax_registers") {
        @Override
        boolean takes(long cols, ElementType type, DeviceInfo device) {
            return cols <= Planner.registersMaxCols(device);
        }

        @Override
        Plan configure(Planner.Request r) {
            long wg = r.wg();
            if (!r.wgTuned() && r.cols() > wg * Planner.MAX_ITEMS) {
                long need = (r.cols() + Planner.MAX_ITEMS - 1) / Planner.MAX_ITEMS; // > wg, a power of two
                wg = Math.min(Planner.registersWorkGroup(r.device()), Long.highestOneBit(need - 1) << 1);
            }
            if (r.cols() > wg * Planner.MAX_ITEMS) {
                throw new IllegalArgumentException("variant REGISTERS holds at most " + wg * Planner.MAX_ITEMS
                        + " elements per row with work-groups of " + wg + ", got cols=" + r.cols());
            }
            int items = Integer.highestOneBit((int) Math.max(1, (r.cols() + wg - 1) / wg));
            if (items * wg < r.cols()) {
                items <<= 1;
            }
            return new Plan(this, r.type(), (int) wg, items, 1, 1, 1, 0);
        }

        @Override
        String defines(Plan p) {
            return "-DWG=" + p.wg() + " -DITEMS=" + p.items();
        }

        @Override
        String describe(Plan p) {
            return ", items=" + p.items();
        }

        @Override
        void enqueue(Launch l, Plan p, RowCall c) {
            oneKernel(l, c, c.rows() * p.wg(), p.wg());
        }
    },
    /** CPU, rows that fit in cache: one work-item per row, VEC-wide vectors; 1 read + 1 write from DRAM. */
    VECTOR(true, "softmax_vector.cl", "softmax_vector") {
        @Override
        boolean takes(long cols, ElementType type, DeviceInfo device) {
            return cols * type.bytes() <= Planner.CPU_ROW_CACHE_BYTES; // the row as stored stays in cache
        }

        @Override
        Plan configure(Planner.Request r) {
            return new Plan(this, r.type(), r.localOr(r.cpuLocal(r.rows())), 1, 1, 1, r.vec(), 0);
        }

        @Override
        String defines(Plan p) {
            return "-DVEC=" + p.vec();
        }

        @Override
        String describe(Plan p) {
            return ", vec=" + p.vec();
        }

        @Override
        void enqueue(Launch l, Plan p, RowCall c) {
            oneKernel(l, c, Launch.roundUp(c.rows(), p.wg()), p.wg());
        }
    },
    /**
     * GPU, long rows: SPLIT work-groups per row, online (max, sum), then each group folds its row's
     * pairs once and normalises; 2 reads + 1 write.
     */
    SPLIT(false, "softmax_split.cl", "softmax_split_partial", "softmax_split_finish") {
        @Override
        boolean takes(long cols, ElementType type, DeviceInfo device) {
            return true;
        }

        @Override
        Plan configure(Planner.Request r) {
            long s = r.split();
            if (s <= 0) {
                long perItem = r.grain() > 0 ? r.grain() : Planner.GPU_PER_ITEM;
                s = Math.max(1, (r.cols() + r.wg() * perItem - 1) / (r.wg() * perItem));
            }
            return new Plan(this, r.type(), r.wg(), 1, Planner.UNROLL, Planner.checkSplit(s), 1, 0);
        }

        @Override
        String defines(Plan p) {
            return "-DWG=" + p.wg() + " -DUNROLL=" + p.unroll();
        }

        @Override
        String describe(Plan p) {
            return ", unroll=" + p.unroll() + ", split=" + p.split();
        }

        @Override
        void enqueue(Launch l, Plan p, RowCall c) {
            twoStage(l, p, c, true);
        }
    },
    /** CPU, long rows: the same two stages with one vectorised work-item per chunk of a row. */
    CHUNKS(true, "softmax_chunks.cl", "softmax_chunks_partial", "softmax_chunks_finish") {
        @Override
        boolean takes(long cols, ElementType type, DeviceInfo device) {
            return true;
        }

        @Override
        Plan configure(Planner.Request r) {
            long s = r.split();
            if (s <= 0) { // chunks of stored bytes: each stays in cache between its two reads
                long grain = r.grain() > 0 ? r.grain() : Planner.CPU_CHUNK_BYTES;
                s = Math.max(1, (r.cols() * r.type().bytes() + grain - 1) / grain);
            }
            int split = Planner.checkSplit(s);
            return new Plan(this, r.type(), r.localOr(r.cpuLocal(r.rows() * split)), 1, 1, split, r.vec(), 0);
        }

        @Override
        String defines(Plan p) {
            return "-DVEC=" + p.vec();
        }

        @Override
        String describe(Plan p) {
            return ", vec=" + p.vec() + ", split=" + p.split();
        }

        @Override
        void enqueue(Launch l, Plan p, RowCall c) {
            twoStage(l, p, c, false);
        }
    };

    /**
     * Bytes of `part` per CHUNKS work-group, at most one per chunk: AFFINITY_BYTES of softmax_chunks.cl
     * (a thread tag and a claim, THREAD AFFINITY there).
     */
    static final long AFFINITY_BYTES = Long.BYTES + Integer.BYTES;

    private final boolean vector;
    private final String file;
    private final List<String> kernels;

    Variant(boolean vector, String file, String... kernels) {
        this.vector = vector;
        this.file = file;
        this.kernels = List.of(kernels);
    }

    /** @return whether this is a vector (CPU-oriented) variant, tuned by vector width */
    public boolean isVector() {
        return vector;
    }

    /** @return the kernel file holding this variant's kernels, and nothing else */
    public String file() {
        return file;
    }

    /** @return the kernel functions this variant enqueues, in order */
    public List<String> kernels() {
        return kernels;
    }

    /** Whether the planner picks this variant for rows of this length (within its family, in order). */
    abstract boolean takes(long cols, ElementType type, DeviceInfo device);

    /** A valid plan for the request, or IllegalArgumentException if the variant cannot run it. */
    abstract Plan configure(Planner.Request r);

    /** The -D defines for the plan's tunables (the element type and features are added by the caller). */
    String defines(Plan p) {
        return "";
    }

    /** The plan's parameters for {@link Plan#toString()}, after the work-group size. */
    String describe(Plan p) {
        return "";
    }

    /** Rows that must stay in one call, aligned from the batch's first row (see {@link Plan#rowGroup()}). */
    int rowGroup(Plan p) {
        return 1;
    }

    /** Enqueues the plan's kernels for one call. */
    abstract void enqueue(Launch l, Plan p, RowCall c);

    /** The one-kernel variants share a signature: (x, y, rows, cols, mask, mask_stride, scale). */
    void oneKernel(Launch l, RowCall c, long global, long local) {
        ClKernel k = l.kernel(kernels.get(0));
        l.args(k).buffer(c.x()).buffer(c.y()).u64(c.rows()).u64(c.cols()).forward(c.f(), c.mask(), c.maskStride());
        l.run(k, global, local);
    }

    /**
     * SPLIT and CHUNKS: partial (x, part, row0, rows, cols, chunk, split, mask, mask_stride, scale), then
     * finish (x, y, part, row0, rows, cols, chunk, split, mask, mask_stride, scale), in windows of rows
     * whose (max, sum) pairs fit the largest scratch buffer the launcher may allocate; CHUNKS' `part`
     * also holds, per work-group, which thread ran it and whether its chunks are finished
     * ({@link #AFFINITY_BYTES}).
     */
    void twoStage(Launch l, Plan p, RowCall c, boolean groups) {
        long chunk = p.chunk(c.cols());
        long perRow = 2L * p.split() * l.computeBytes() + (groups ? 0 : p.split() * AFFINITY_BYTES);
        long window = Math.min(c.rows(), l.scratchCap() / perRow);
        if (window < 1) {
            throw new IllegalArgumentException("the " + p.split() + " (max, sum) pairs of one row (" + perRow
                    + " bytes) exceed the largest scratch buffer (" + l.scratchCap() + " bytes)");
        }
        ClBuffer part = l.scratch(Launch.PARTS, window * perRow);
        ClKernel partial = l.kernel(kernels.get(0));
        ClKernel finish = l.kernel(kernels.get(1));
        for (long r0 = 0; r0 < c.rows(); r0 += window) {
            long n = Math.min(window, c.rows() - r0);
            long parts = n * p.split();
            long global = groups ? parts * p.wg() : Launch.roundUp(parts, p.wg());
            l.args(partial).buffer(c.x()).buffer(part).u64(r0).u64(n).u64(c.cols()).u64(chunk).u32(p.split())
                    .forward(c.f(), c.mask(), c.maskStride());
            l.run(partial, global, p.wg());
            l.args(finish).buffer(c.x()).buffer(c.y()).buffer(part).u64(r0).u64(n).u64(c.cols()).u64(chunk)
                    .u32(p.split()).forward(c.f(), c.mask(), c.maskStride());
            l.run(finish, global, p.wg());
        }
    }
}
