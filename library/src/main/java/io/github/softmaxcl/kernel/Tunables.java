/*
 * The tunable parameters of a kernel variant, as data: what the tuner searches and the tuning cache
 * stores. Zero means "the planner's default" for every field, so a partial setting is valid. Each
 * field's own range is checked here, once, so that no value read from a cache file can reach the
 * planner's arithmetic out of range; what depends on the device and the shape is the planner's to
 * check (Planner.configure).
 */
package io.github.softmaxcl.kernel;

/**
 * Tunable parameters; 0 in any field selects the default.
 *
 * @param vec vector width of the vector variants (2, 4, 8 or 16)
 * @param local local size of the one-work-item-per-row or per-chunk variants
 * @param wg work-group size of the work-group variants (a power of two)
 * @param grain CHUNKS: bytes per chunk; SPLIT: elements per work-item lane; at most {@link #MAX_GRAIN}
 */
public record Tunables(int vec, int local, int wg, long grain) {
    /** Every parameter at its default. */
    public static final Tunables DEFAULTS = new Tunables(0, 0, 0, 0);

    /**
     * Largest grain: a 1 GiB chunk, or 2^30 elements per SPLIT lane, is already far past any useful
     * setting, and the bound keeps the planner's products (work-group size times grain, row bytes
     * plus grain) well inside a long.
     */
    public static final long MAX_GRAIN = 1L << 30;

    /**
     * @throws IllegalArgumentException if a field is negative, vec / wg is not a valid size, or grain
     *                                  exceeds {@link #MAX_GRAIN}; the message names the value
     */
    public Tunables {
        if (vec < 0 || local < 0 || wg < 0 || grain < 0) {
            throw new IllegalArgumentException("tunables must be >= 0, got vec=" + vec + ", local=" + local + ", wg="
                    + wg + ", grain=" + grain);
        }
        if (vec != 0 && vec != 2 && vec != 4 && vec != 8 && vec != 16) {
            throw new IllegalArgumentException("vector width must be 2, 4, 8 or 16, got " + vec);
        }
        if (wg != 0 && Integer.bitCount(wg) != 1) {
            throw new IllegalArgumentException("work-group size must be a power of two, got " + wg);
        }
        if (grain > MAX_GRAIN) {
            throw new IllegalArgumentException("grain must be at most " + MAX_GRAIN + ", got " + grain);
        }
    }
}
