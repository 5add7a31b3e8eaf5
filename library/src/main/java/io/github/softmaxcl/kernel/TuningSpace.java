/*
 * The autotuner's search space, declared as data: which variants to search on which kind of device,
 * and for each variant the values of each tunable to try. The tuner takes the cartesian product per variant; candidates the device cannot run (a
 * work-group larger than its maximum, a variant that cannot hold the row) are skipped.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** Candidate tunables per variant. */
public final class TuningSpace {
    private TuningSpace() {}

    /** Values per tunable: vec, local, wg, grain. An empty array means "default only". */
    private record Axes(int[] vec, int[] local, int[] wg, long[] grain) {}

    private static final int[] NONE = {0};
    private static final long[] NO_GRAIN = {0};

    private static final Map<Variant, Axes> FLOAT32 = Map.of(
            Variant.TILE, new Axes(new int[] {4, 8, 16}, new int[] {1, 4, 16, 64}, NONE, NO_GRAIN),
            Variant.VECTOR, new Axes(new int[] {4, 8, 16}, new int[] {1, 4, 16}, NONE, NO_GRAIN),
            Variant.CHUNKS, new Axes(new int[] {8, 16}, new int[] {1, 4}, NONE, new long[] {64 << 10, 256 << 10, 1 << 20}),
            Variant.ROWS, new Axes(NONE, new int[] {32, 64, 128, 256}, NONE, NO_GRAIN),
            Variant.REGISTERS, new Axes(NONE, NONE, new int[] {64, 128, 256, 512}, NO_GRAIN),
            Variant.SPLIT, new Axes(NONE, NONE, new int[] {128, 256}, new long[] {32, 64, 128}));

    /**
     * The variant families worth searching on a device. On CPUs the work-group variants were measured
     * 10 to 40 times slower than the vector ones (PoCL runs each work-item of a group in turn, and a
     * work-group per 10-element row means a million groups), and a single candidate can take minutes,
     * so only the vector family is searched there; GPUs and accelerators search every variant.
     *
     * @param device the device
     * @return the variants to search
     */
    public static List<Variant> variants(DeviceInfo device) {
        if (Planner.prefersVectors(device)) {
            return List.of(Variant.TILE, Variant.VECTOR, Variant.CHUNKS);
        }
        return List.of(Variant.values());
    }

    /**
     * @param variant a variant
     * @param precision the precision (vector widths halve for float64: the same bytes per vector)
     * @param quick only the defaults, so a quick tuning run just picks the best variant
     * @return the candidates for that variant
     */
    public static List<Tunables> candidates(Variant variant, ElementType precision, boolean quick) {
        Axes a = FLOAT32.get(variant);
        List<Tunables> out = new ArrayList<>();
        for (int vec : a.vec()) {
            int v = precision == ElementType.FLOAT64 && vec > 2 ? vec / 2 : vec;
            for (int local : a.local()) {
                for (int wg : a.wg()) {
                    for (long grain : a.grain()) {
                        out.add(new Tunables(v, local, wg, grain));
                    }
                }
            }
        }
        if (quick) {
            return List.of(Tunables.DEFAULTS);
        }
        return out;
    }
}
