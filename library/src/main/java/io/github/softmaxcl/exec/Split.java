/*
 * How a device group divides one call: its units (rows, or outer slices for another axis) in
 * proportion to each device's speed, so that every device finishes at about the same time and the
 * call takes total / (sum of speeds) instead of total / (one speed). Parts are whole blocks of the
 * row group, so each device computes its rows exactly as it would in a call of its own; small calls
 * go to fewer devices, since handing a few rows to another thread costs more than it saves.
 */
package io.github.softmaxcl.exec;

import java.util.Arrays;

/** The division of a call's units between the devices of a group. */
final class Split {
    /** A part smaller than this (256 KiB of float32) is not worth a device of its own. */
    static final long MIN_PART_ELEMENTS = 1 << 16;

    private Split() {}

    /**
     * @param speeds one per device: &gt; 0 for a device that can take part, 0 for one that cannot
     *     (e.g. float64 without cl_khr_fp64); at least one is &gt; 0
     * @param units units to divide, &gt;= 0
     * @param unitElements elements per unit, &gt;= 0
     * @param align units per block: every part starts at a multiple of it, and all but the last
     *     part are whole blocks
     * @return units per device in device order, summing to {@code units}; the parts lie one after
     *     another in device order
     * @throws IllegalArgumentException if no device can take part or an argument is out of range
     */
    static long[] of(double[] speeds, long units, long unitElements, int align) {
        if (units < 0 || unitElements < 0 || align < 1) {
            throw new IllegalArgumentException("units " + units + ", unit elements " + unitElements + ", align "
                    + align + ": expected units >= 0, unit elements >= 0, align >= 1");
        }
        int n = speeds.length;
        double[] w = speeds.clone();
        for (double s : w) {
            if (!(s >= 0) || Double.isInfinite(s)) {
                throw new IllegalArgumentException("speeds must be finite and >= 0, got " + Arrays.toString(speeds));
            }
        }
        long blocks = (units + align - 1) / align;
        long elements = units * unitElements;
        int useful = (int) Math.max(1, Math.min(blocks, elements / MIN_PART_ELEMENTS));
        keepFastest(w, useful);
        double sum = Arrays.stream(w).sum();
        if (!(sum > 0)) {
            throw new IllegalArgumentException("no device can take part: speeds " + Arrays.toString(speeds));
        }
        // Largest remainder: floor of each exact share, then the leftover blocks to the largest
        // fractions (the faster device first on ties), so the result is deterministic.
        long[] b = new long[n];
        double[] frac = new double[n];
        long given = 0;
        for (int i = 0; i < n; i++) {
            double exact = blocks * (w[i] / sum);
            b[i] = (long) Math.floor(exact);
            frac[i] = w[i] > 0 ? exact - b[i] : -1;
            given += b[i];
        }
        for (long left = blocks - given; left > 0; left--) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (w[i] > 0 && (best < 0 || frac[i] > frac[best] || (frac[i] == frac[best] && w[i] > w[best]))) {
                    best = i;
                }
            }
            b[best]++;
            frac[best] = -1;
        }
        long[] out = new long[n];
        long from = 0;
        for (int i = 0; i < n; i++) {
            long to = Math.min(units, from + b[i] * align);
            out[i] = to - from;
            from = to;
        }
        return out;
    }

    /** Zeroes all but the {@code k} fastest positive speeds (the earlier device first on ties). */
    private static void keepFastest(double[] w, int k) {
        int positive = (int) Arrays.stream(w).filter(s -> s > 0).count();
        for (int drop = positive - k; drop > 0; drop--) {
            int slowest = -1;
            for (int i = 0; i < w.length; i++) {
                if (w[i] > 0 && (slowest < 0 || w[i] <= w[slowest])) {
                    slowest = i;
                }
            }
            w[slowest] = 0;
        }
    }
}
