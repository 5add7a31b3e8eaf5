/*
 * Chooses a kernel variant and its parameters from the row shape and the device's limits. The
 * thresholds are the shipped defaults; a forced variant (tests, verification, benchmarks) still
 * gets parameters that are valid for the shape, or a clear error when the variant cannot run it.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.Precision;
import io.github.softmaxcl.device.DeviceInfo;

/** Picks a {@link Plan} for a shape on a device. */
public final class Planner {
    /** Rows up to this length run one per work-item (no barriers). */
    public static final long SHORT_ROW = 32;
    /** Longest row the one-work-item-per-row variant accepts even when forced. */
    public static final long MAX_ROWS_VARIANT = 4096;
    /** Largest ITEMS value for the private-memory variant. */
    public static final int MAX_ITEMS = 16;
    /** Online-loop unroll: elements each work-item takes per step. */
    public static final int UNROLL = 8;
    /** Upper bound on elements one work-item folds sequentially in SPLIT: keeps each float sum short. */
    static final long MAX_PER_ITEM = 2048;
    /** Work-groups per compute unit wanted in flight before rows are split across groups. */
    static final int GROUPS_PER_CU = 4;

    private Planner() {}

    /**
     * @param device the device
     * @return the default work-group size: the largest power of two up to 256 the device allows
     */
    public static int defaultWorkGroup(DeviceInfo device) {
        return Integer.highestOneBit((int) Math.max(1, Math.min(256, device.maxWorkGroupSize())));
    }

    /**
     * Plans a call.
     *
     * @param rows number of rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @param device the device
     * @param forced a variant to use, or null to choose by shape
     * @param forcedSplit groups per row for SPLIT, or 0 to choose
     * @return the plan
     * @throws IllegalArgumentException if the forced variant cannot run rows of this length
     */
    public static Plan plan(long rows, long cols, Precision precision, DeviceInfo device, Variant forced,
            int forcedSplit) {
        int wg = defaultWorkGroup(device);
        Variant v = forced != null ? forced
                : cols <= SHORT_ROW ? Variant.ROWS
                : cols <= (long) wg * MAX_ITEMS ? Variant.REGISTERS
                : Variant.SPLIT;
        switch (v) {
            case ROWS:
                if (cols > MAX_ROWS_VARIANT) {
                    throw new IllegalArgumentException("variant ROWS handles rows of at most " + MAX_ROWS_VARIANT
                            + " elements (one work-item per row), got cols=" + cols);
                }
                return new Plan(v, precision, Math.min(64, wg), 1, 1, 1);
            case REGISTERS: {
                if (cols > (long) wg * MAX_ITEMS) {
                    throw new IllegalArgumentException("variant REGISTERS holds at most " + (long) wg * MAX_ITEMS
                            + " elements per row on this device, got cols=" + cols);
                }
                int items = Integer.highestOneBit((int) Math.max(1, (cols + wg - 1) / wg));
                if ((long) items * wg < cols) {
                    items <<= 1;
                }
                return new Plan(v, precision, wg, items, 1, 1);
            }
            case SPLIT:
            default: {
                long steps = Math.max(1, (cols + (long) wg * UNROLL - 1) / ((long) wg * UNROLL));
                long split;
                if (forcedSplit > 0) {
                    split = forcedSplit;
                } else {
                    split = Math.max(1, (cols + wg * MAX_PER_ITEM - 1) / (wg * MAX_PER_ITEM));
                    long wanted = (long) device.computeUnits() * GROUPS_PER_CU;
                    if (rows * split < wanted) {
                        split = Math.max(split, (wanted + rows - 1) / rows);
                    }
                    split = Math.min(split, steps); // every group gets at least one full step
                }
                if (split > 65536) {
                    throw new IllegalArgumentException("split must be <= 65536, got " + split);
                }
                return new Plan(Variant.SPLIT, precision, wg, 1, UNROLL, (int) split);
            }
        }
    }
}
