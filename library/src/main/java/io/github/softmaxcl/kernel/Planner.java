/*
 * Chooses a kernel variant and its parameters from the row length and the device. CPUs get the
 * vector variants (measured on PoCL: explicit vectors make exp run at copy speed, implicit
 * vectorisation reaches half of it), GPUs the work-group variants. The numbers here are the
 * shipped defaults; a tuned configuration (see Tuner) replaces them per device. A forced variant
 * (tests, verification, benchmarks) still gets parameters valid for the shape, or a clear error.
 * Each variant's own limits and parameters are defined by the variant (Variant.configure).
 *
 * Everything that changes results (variant, vector width, split) depends on the row length, the
 * element type and the device only, never on the number of rows: a batch processed in chunks gives
 * the same bits as the same batch in one call. The row count only sets local sizes, which do not
 * change any work-item's arithmetic. Decisions about arithmetic (vector width, tuned entries) follow
 * the compute type; decisions about what stays in cache follow the bytes as stored.
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
    /**
     * Longest row the ROWS variant accepts even when forced: it stages rows in local memory, and one
     * float64 row of this length (padded to an odd count) fits the 32 KiB every OpenCL GPU has.
     */
    public static final long MAX_ROWS_VARIANT = 2048;
    /** Rows per work-group of ROWS by default: 64 float32 rows of 32 take 8.4 KiB of local memory. */
    static final int ROWS_PER_GROUP = 64;
    /**
     * Largest work-group REGISTERS grows to by default for rows longer than the default work-group
     * holds: 1024 work-items of {@link #MAX_ITEMS} values keep a row of 16384 on chip.
     */
    public static final int MAX_REGISTERS_WG = 1024;
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
     * What a variant needs to configure a plan: the call's shape and type, the device, and the
     * tunables resolved against the device's defaults.
     *
     * @param rows rows
     * @param cols row length
     * @param type element type as stored
     * @param device the device
     * @param split forced parts per row, or 0
     * @param vec vector width
     * @param wg work-group size of the work-group variants
     * @param wgTuned whether wg was given (tuned or explicit) rather than the device's default
     * @param local local size of the one-work-item variants, or 0 for the default
     * @param grain tuned grain, or 0 for the default
     */
    record Request(long rows, long cols, ElementType type, DeviceInfo device, int split, int vec, int wg,
            boolean wgTuned, int local, long grain) {
        int localOr(int fallback) {
            return local > 0 ? local : fallback;
        }

        /** A local size that still leaves several work-groups per compute unit: 1 to 16, a power of two. */
        int cpuLocal(long items) {
            long parts = (long) PARTS_PER_CU * device.computeUnits();
            long l = Math.max(1, Math.min(16, items / Math.max(1, parts)));
            return Integer.highestOneBit((int) l);
        }
    }

    /**
     * @param device the device
     * @return the default work-group size: the largest power of two up to 256 the device allows
     */
    public static int defaultWorkGroup(DeviceInfo device) {
        return Integer.highestOneBit((int) Math.max(1, Math.min(256, device.maxWorkGroupSize())));
    }

    /**
     * @param device the device
     * @return the largest work-group REGISTERS uses by default: a power of two up to
     *         {@link #MAX_REGISTERS_WG} that the device allows
     */
    public static int registersWorkGroup(DeviceInfo device) {
        return Integer.highestOneBit((int) Math.max(1, Math.min(MAX_REGISTERS_WG, device.maxWorkGroupSize())));
    }

    /**
     * @param device the device
     * @return the longest row REGISTERS holds on the device with its default work-group sizes
     */
    public static long registersMaxCols(DeviceInfo device) {
        return (long) registersWorkGroup(device) * MAX_ITEMS;
    }

    /**
     * @param type element type (its compute type decides)
     * @return the default vector width: 64 bytes of arithmetic, one AVX-512 register or one cache line
     */
    public static int defaultVec(ElementType type) {
        return type.computeType() == ElementType.FLOAT32 ? 16 : 8;
    }

    /**
     * @param variant a variant
     * @param type element type as stored
     * @return whether the variant has the polynomial exp of softmax_exp.clh for this type: the vector
     *         variants, in float32 arithmetic (float32, float16 and bfloat16 storage)
     */
    public static boolean hasPolyExp(Variant variant, ElementType type) {
        return variant.isVector() && type.computeType() == ElementType.FLOAT32;
    }

    /**
     * The exp a plan uses unless told otherwise: the polynomial wherever a variant has it. The vector
     * variants are the CPU family, and on PoCL's CPU device the polynomial takes fewer than half the
     * instructions of the built-in exp (BENCHMARKS.md, "CPU speed vs peers"); GPUs run the work-group
     * variants and their hardware exp.
     *
     * @param variant a variant
     * @param type element type as stored
     * @return whether plans for it use the polynomial exp by default
     */
    public static boolean defaultPolyExp(Variant variant, ElementType type) {
        return hasPolyExp(variant, type);
    }

    /**
     * @param device a device
     * @return whether the vector (CPU-oriented) variants are the default there
     */
    public static boolean prefersVectors(DeviceInfo device) {
        return device.type() == DeviceType.CPU;
    }

    /**
     * Plans a call: a forced variant first, else the device's tuned entry for this row length
     * (when it can run it), else the shipped defaults.
     *
     * @param rows number of rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param type element type as stored
     * @param device the device
     * @param forced a variant to use, or null
     * @param forcedSplit parts per row for SPLIT and CHUNKS, or 0 to choose
     * @param tuning tuned entries for this device ({@link Tuning#NONE} for the defaults)
     * @return the plan
     * @throws IllegalArgumentException if the forced variant cannot run rows of this length
     */
    public static Plan plan(long rows, long cols, ElementType type, DeviceInfo device, Variant forced,
            int forcedSplit, Tuning tuning) {
        if (forced != null) {
            return configure(forced, rows, cols, type, device, forcedSplit, Tunables.DEFAULTS);
        }
        Tuning.Entry tuned = tuning.lookup(cols, type.computeType());
        if (tuned != null) {
            try {
                return configure(tuned.variant(), rows, cols, type, device, 0, tuned.tunables());
            } catch (IllegalArgumentException e) {
                // The bucket's winner cannot run this particular length (e.g. REGISTERS past its limit).
            }
        }
        return configure(choose(cols, type, device), rows, cols, type, device, 0, Tunables.DEFAULTS);
    }

    /** The first variant of the device's family, in declaration order, that takes rows of this length. */
    private static Variant choose(long cols, ElementType type, DeviceInfo device) {
        boolean vectors = prefersVectors(device);
        for (Variant v : Variant.values()) {
            if (v.isVector() == vectors && v.takes(cols, type, device)) {
                return v;
            }
        }
        throw new IllegalStateException("no variant takes rows of " + cols); // SPLIT and CHUNKS take every row
    }

    /**
     * Builds a valid plan for a given variant, with explicit tunables where given.
     *
     * @param v the variant
     * @param rows rows
     * @param cols row length
     * @param type element type as stored
     * @param device the device
     * @param split parts per row for SPLIT/CHUNKS, or 0 to derive it from the grain
     * @param t tunables (0 fields take defaults)
     * @return the plan
     * @throws IllegalArgumentException if the variant cannot run this shape or a tunable is invalid for the device
     */
    public static Plan configure(Variant v, long rows, long cols, ElementType type, DeviceInfo device, int split,
            Tunables t) {
        int vec = t.vec() > 0 ? t.vec() : defaultVec(type);
        int wg = t.wg() > 0 ? t.wg() : defaultWorkGroup(device);
        if (wg > device.maxWorkGroupSize()) {
            throw new IllegalArgumentException("work-group size " + wg + " exceeds the device's maximum "
                    + device.maxWorkGroupSize());
        }
        int local = (int) Math.min(t.local(), device.maxWorkGroupSize());
        return v.configure(new Request(rows, cols, type, device, split, vec, wg, t.wg() > 0, local, t.grain()));
    }

    /** @return {@code s} as an int, if it is a valid number of parts per row */
    static int checkSplit(long s) {
        if (s < 1 || s > 65536) {
            throw new IllegalArgumentException("split must be between 1 and 65536, got " + s);
        }
        return (int) s;
    }
}
