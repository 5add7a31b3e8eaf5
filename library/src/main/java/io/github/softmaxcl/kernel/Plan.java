/*
 * One launch configuration: which variant, with which compile-time and launch parameters. Plans are
 * plain values so tests, the tuner and the benchmark can build, print, compare and cache them. What
 * each parameter means to a variant is defined by the variant (Variant), not here.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;

/**
 * A complete launch configuration for one softmax call.
 *
 * @param variant the kernel variant
 * @param type the element type as stored (arithmetic runs in {@code type.computeType()})
 * @param wg work-group (local) size; a power of two for REGISTERS and SPLIT
 * @param items values per work-item (REGISTERS only, else 1)
 * @param unroll elements per work-item per online step (SPLIT only, else 1)
 * @param split work-groups or work-items per row (SPLIT and CHUNKS, else 1)
 * @param vec vector width (vector variants, else 1)
 * @param cols row length compiled into the kernel (TILE and ROWS, else 0)
 * @param polyExp whether the kernels exponentiate with the polynomial of softmax_exp.clh instead of the
 *                built-in exp (vector variants in float arithmetic only)
 */
public record Plan(Variant variant, ElementType type, int wg, int items, int unroll, int split, int vec, int cols,
        boolean polyExp) {

    /**
     * @throws IllegalArgumentException if {@code polyExp} is set for a variant or type that has no
     *                                  polynomial exp
     */
    public Plan {
        if (polyExp && !Planner.hasPolyExp(variant, type)) {
            throw new IllegalArgumentException("the polynomial exp is for the vector variants in float32 arithmetic, not "
                    + variant + " on " + type);
        }
    }

    /**
     * A plan with the planner's choice of exp for the variant and type ({@link Planner#defaultPolyExp}).
     *
     * @param variant the kernel variant
     * @param type the element type as stored
     * @param wg work-group (local) size
     * @param items values per work-item
     * @param unroll elements per work-item per online step
     * @param split work-groups or work-items per row
     * @param vec vector width
     * @param cols row length compiled into the kernel
     */
    public Plan(Variant variant, ElementType type, int wg, int items, int unroll, int split, int vec, int cols) {
        this(variant, type, wg, items, unroll, split, vec, cols, Planner.defaultPolyExp(variant, type));
    }

    /**
     * @param poly whether to use the polynomial exp
     * @return this plan with that exp
     * @throws IllegalArgumentException if {@code poly} is set where there is no polynomial exp
     */
    public Plan withPolyExp(boolean poly) {
        return new Plan(variant, type, wg, items, unroll, split, vec, cols, poly);
    }

    /** @return the build options for the variant's kernel file: its tunables, its exp and the element type */
    public String buildOptions() {
        return BuildOptions.join(variant.defines(this), polyExp ? "-DEXP_POLY" : "", BuildOptions.type(type));
    }

    /**
     * Rows that must be processed in the same call, aligned to a multiple of this count from the
     * batch's first row, for results not to depend on how a batch is split into calls: TILE shifts
     * each group of {@code vec} rows by the group's max. 1 for every other variant.
     *
     * @return the row group size
     */
    public int rowGroup() {
        return variant.rowGroup(this);
    }

    /**
     * @param rowLength row length
     * @return the columns covered by each of the {@code split} parts of a row
     */
    public long chunk(long rowLength) {
        return (rowLength + split - 1) / split;
    }

    @Override
    public String toString() {
        return variant.name() + "(wg=" + wg + variant.describe(this) + (polyExp ? ", exp=poly" : "") + ", " + type + ')';
    }
}
