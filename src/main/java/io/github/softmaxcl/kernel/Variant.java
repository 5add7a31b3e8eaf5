/*
 * The kernel variants of kernels/softmax.cl, as data that tests, benchmarks, the tuner and the
 * command line iterate over. The planner picks one by row shape and device type; callers may force
 * one. Work-group variants suit GPUs (rows spread over lanes, coalesced loads); vector variants suit
 * CPUs (one work-item per core, explicit vectors so exp runs at memory speed).
 */
package io.github.softmaxcl.kernel;

/** A softmax kernel variant. */
public enum Variant {
    /** GPU, short rows: one work-item per row, no barriers. */
    ROWS(false),
    /** CPU, short rows: VEC rows per work-item, one row per vector lane; row length compiled in. */
    TILE(true),
    /** GPU, rows up to WG * 16: one work-group per row, row in private memory; 1 read + 1 write. */
    REGISTERS(false),
    /** CPU, rows that fit in cache: one work-item per row, VEC-wide vectors; 1 read + 1 write from DRAM. */
    VECTOR(true),
    /** GPU, long rows: SPLIT work-groups per row, online (max, sum), then normalise; 2 reads + 1 write. */
    SPLIT(false),
    /** CPU, long rows: the same two stages with one vectorised work-item per chunk of a row. */
    CHUNKS(true);

    private final boolean vector;

    Variant(boolean vector) {
        this.vector = vector;
    }

    /** @return whether this is a vector (CPU-oriented) variant, tuned by vector width */
    public boolean isVector() {
        return vector;
    }
}
