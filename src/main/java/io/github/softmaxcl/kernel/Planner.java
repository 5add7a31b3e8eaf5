/*
 * Chooses a kernel variant and its parameters from the row length and the device. CPUs get the
 * vector variants (measured on PoCL: explicit vectors make exp run at copy speed, implicit
 * vectorisation reaches half of it), GPUs the work-group variants. The numbers here are the
 * shipped defaults; a tuned configuration (see Tuner) replaces them per device. A forced variant
 * (tests, verification, benchmarks) still gets parameters valid for the shape, or a clear error.
 *
 * Everything that changes results (variant, vector width, split) depends on the row length, the
 * precision and the device only, never on the number of rows: a batch processed in chunks gives
 * the same bits as the same batch in one call. The row count only sets local sizes, which do not
 * change any work-item's arithmetic.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.DeviceType;

/** Picks a {@link Plan} for a shape on a device. */
public final class Planner {
    /** Rows up to this length use the short-row variants (ROWS on GPUs, TILE on CPUs). */
    public static final long SHORT_ROW = 32;
    /** Longest row TILE compiles in (its private tile is VEC * COLS values). */
    public static final int MAX_TILE_COLS = 64;
    /** Largest ITEMS value for the private-memory variant. */
    public static final int MAX_ITEMS = 16;
    /** Online-loop unroll of SPLIT: elements each work-item takes per step. */
    public static final int UNROLL = 8;
    /** Longest row the one-work-item-per-row ROWS variant accepts even when forced. */
    public static final long MAX_ROWS_VARIANT = 4096;
    /**
     * Elements per SPLIT work-item: 64 per lane keeps each sequential float sum short and gives a
     * 16M-element row 1024 work-groups of 256, enough to fill a large GPU.
     */
    static final long GPU_PER_ITEM = 64;
    /** Work-groups (GPU) or work-items (CPU) per compute unit wanted before rows are split. */
    static final int PARTS_PER_CU = 4;
    /** Rows longer than this (bytes) do not stay in a CPU core's cache between VECTOR's passes. */
    static final long CPU_ROW_CACHE_BYTES = 1L << 20;
    /** Target chunk of a CHUNKS work-item, in bytes: a few per core even for a single 16M row. */
    static final long CPU_CHUNK_BYTES = 256L << 10;

    private Planner() {}

    /**
     * @param device the device
     * @return the default work-group size: the largest power of two up to 256 the device allows
     */
    public static int defaultWorkGroup(DeviceInfo device) {
        return Integer.highestOneBit((int) Math.max(1, Math.min(256, device.maxWorkGroupSize())));
    }

    /**
     * @param precision element type
     * @return the default vector width: 64 bytes, one AVX-512 register or one cache line
     */
    public static int defaultVec(ElementType precision) {
        return precision == ElementType.FLOAT32 ? 16 : 8;
    }

    /**
     * @param device a device
     * @return whether the vector (CPU-oriented) variants are the default there
     */
    public static boolean prefersVectors(DeviceInfo device) {
        return device.type() == DeviceType.CPU;
    }

    /**
     * Plans a call.
     *
     * @param rows number of rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @param device the device
     * @param forced a variant to use, or null to choose by shape and device
     * @param forcedSplit parts per row for SPLIT and CHUNKS, or 0 to choose
     * @return the plan
     * @throws IllegalArgumentException if the forced variant cannot run rows of this length
     */
    public static Plan plan(long rows, long cols, ElementType precision, DeviceInfo device, Variant forced,
            int forcedSplit) {
        return plan(rows, cols, precision, device, forced, forcedSplit, Tuning.NONE);
    }

    /**
     * Plans a call: a forced variant first, else the device's tuned entry for this row length
     * (when it can run it), else the shipped defaults.
     *
     * @param rows number of rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @param device the device
     * @param forced a variant to use, or null
     * @param forcedSplit parts per row for SPLIT and CHUNKS, or 0 to choose
     * @param tuning tuned entries for this device
     * @return the plan
     * @throws IllegalArgumentException if the forced variant cannot run rows of this length
     */
    public static Plan plan(long rows, long cols, ElementType precision, DeviceInfo device, Variant forced,
            int forcedSplit, Tuning tuning) {
        if (precision.isHalf()) {
            Plan p = plan(rows, cols, ElementType.FLOAT32, device, forced, forcedSplit, tuning);
            return new Plan(p.variant(), precision, p.wg(), p.items(), p.unroll(), p.split(), p.vec(), p.cols());
        }
        if (forced != null) {
            return configure(forced, rows, cols, precision, device, forcedSplit, Tunables.DEFAULTS);
        }
        Tuning.Entry tuned = tuning.lookup(cols, precision);
        if (tuned != null) {
            try {
                return configure(tuned.variant(), rows, cols, precision, device, 0, tuned.tunables());
            } catch (IllegalArgumentException e) {
                // The bucket's winner cannot run this particular length (e.g. REGISTERS past its limit).
            }
        }
        return configure(choose(cols, precision, device), rows, cols, precision, device, 0, Tunables.DEFAULTS);
    }

    private static Variant choose(long cols, ElementType precision, DeviceInfo device) {
        if (prefersVectors(device)) {
            if (cols <= SHORT_ROW) {
                return Variant.TILE;
            }
            return cols * precision.bytes() <= CPU_ROW_CACHE_BYTES ? Variant.VECTOR : Variant.CHUNKS;
        }
        int wg = defaultWorkGroup(device);
        return cols <= SHORT_ROW ? Variant.ROWS
                : cols <= (long) wg * MAX_ITEMS ? Variant.REGISTERS
                : Variant.SPLIT;
    }

    /**
     * Builds a valid plan for a given variant, with explicit tunables where given.
     *
     * @param v the variant
     * @param rows rows
     * @param cols row length
     * @param precision element type
     * @param device the device
     * @param split parts per row for SPLIT/CHUNKS, or 0 to derive it from the grain
     * @param t tunables (0 fields take defaults)
     * @return the plan
     * @throws IllegalArgumentException if the variant cannot run this shape or a tunable is invalid for the device
     */
    public static Plan configure(Variant v, long rows, long cols, ElementType precision, DeviceInfo device, int split,
            Tunables t) {
        int vec = t.vec() > 0 ? t.vec() : defaultVec(precision);
        int wg = t.wg() > 0 ? t.wg() : defaultWorkGroup(device);
        if (wg > device.maxWorkGroupSize()) {
            throw new IllegalArgumentException("work-group size " + wg + " exceeds the device's maximum "
                    + device.maxWorkGroupSize());
        }
        int local = (int) Math.min(t.local(), device.maxWorkGroupSize());
        long parts = (long) PARTS_PER_CU * device.computeUnits();
        switch (v) {
            case ROWS: {
                if (cols > MAX_ROWS_VARIANT) {
                    throw new IllegalArgumentException("variant ROWS handles rows of at most " + MAX_ROWS_VARIANT
                            + " elements (one work-item per row), got cols=" + cols);
                }
                return new Plan(v, precision, local > 0 ? local : Math.min(64, wg), 1, 1, 1, 1, 0);
            }
            case TILE: {
                if (cols > MAX_TILE_COLS) {
                    throw new IllegalArgumentException("variant TILE handles rows of at most " + MAX_TILE_COLS
                            + " elements, got cols=" + cols);
                }
                long items = (rows + vec - 1) / vec;
                return new Plan(v, precision, local > 0 ? local : cpuLocal(items, parts), 1, 1, 1, vec, (int) cols);
            }
            case VECTOR:
                return new Plan(v, precision, local > 0 ? local : cpuLocal(rows, parts), 1, 1, 1, vec, 0);
            case CHUNKS: {
                long s = split;
                if (s <= 0) {
                    long grain = t.grain() > 0 ? t.grain() : CPU_CHUNK_BYTES;
                    s = Math.max(1, (cols * precision.bytes() + grain - 1) / grain);
                }
                checkSplit(s);
                return new Plan(v, precision, local > 0 ? local : cpuLocal(rows * s, parts), 1, 1, (int) s, vec, 0);
            }
            case REGISTERS: {
                if (cols > (long) wg * MAX_ITEMS) {
                    throw new IllegalArgumentException("variant REGISTERS holds at most " + (long) wg * MAX_ITEMS
                            + " elements per row with work-groups of " + wg + ", got cols=" + cols);
                }
                int items = Integer.highestOneBit((int) Math.max(1, (cols + wg - 1) / wg));
                if ((long) items * wg < cols) {
                    items <<= 1;
                }
                return new Plan(v, precision, wg, items, 1, 1, 1, 0);
            }
            case SPLIT:
            default: {
                long s = split;
                if (s <= 0) {
                    long perItem = t.grain() > 0 ? t.grain() : GPU_PER_ITEM;
                    s = Math.max(1, (cols + wg * perItem - 1) / (wg * perItem));
                }
                checkSplit(s);
                return new Plan(Variant.SPLIT, precision, wg, 1, UNROLL, (int) s, 1, 0);
            }
        }
    }

    private static void checkSplit(long s) {
        if (s < 1 || s > 65536) {
            throw new IllegalArgumentException("split must be between 1 and 65536, got " + s);
        }
    }

    /** A local size that still leaves several work-groups per compute unit: 1 to 16, a power of two. */
    private static int cpuLocal(long items, long parts) {
        long l = Math.max(1, Math.min(16, items / Math.max(1, parts)));
        return Integer.highestOneBit((int) l);
    }
}
