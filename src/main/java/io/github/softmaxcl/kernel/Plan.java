/*
 * One launch configuration: which variant, with which compile-time and launch parameters. Plans are
 * plain values so tests, the tuner and the benchmark can build, print, compare and cache them.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;

/**
 * A complete launch configuration for one softmax call.
 *
 * @param variant the kernel variant
 * @param precision element type
 * @param wg work-group (local) size; a power of two for REGISTERS and SPLIT
 * @param items values per work-item (REGISTERS only, else 1)
 * @param unroll elements per work-item per online step (SPLIT only, else 1)
 * @param split work-groups or work-items per row (SPLIT and CHUNKS, else 1)
 * @param vec vector width (vector variants, else 1)
 * @param cols row length compiled into the kernel (TILE only, else 0)
 */
public record Plan(Variant variant, ElementType precision, int wg, int items, int unroll, int split, int vec,
        int cols) {

    /** @return the build options for kernels/softmax.cl: only the defines this variant reads */
    public String buildOptions() {
        StringBuilder sb = new StringBuilder();
        switch (variant) {
            case ROWS -> { }
            case REGISTERS -> sb.append("-DWG=").append(wg).append(" -DITEMS=").append(items);
            case SPLIT -> sb.append("-DWG=").append(wg).append(" -DUNROLL=").append(unroll);
            case TILE -> sb.append("-DVEC=").append(vec).append(" -DCOLS=").append(cols);
            case VECTOR, CHUNKS -> sb.append("-DVEC=").append(vec);
            default -> throw new IllegalStateException("unknown variant " + variant);
        }
        if (precision == ElementType.FLOAT64) {
            sb.append(sb.length() == 0 ? "" : " ").append("-DUSE_DOUBLE");
        }
        return sb.toString();
    }

    /**
     * Rows that must be processed in the same call, aligned to a multiple of this count from the
     * batch's first row, for results not to depend on how a batch is split into calls: TILE shifts
     * each group of {@code vec} rows by the group's max. 1 for every other variant.
     *
     * @return the row group size
     */
    public int rowGroup() {
        return variant == Variant.TILE ? vec : 1;
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
        StringBuilder sb = new StringBuilder(variant.name()).append("(wg=").append(wg);
        switch (variant) {
            case REGISTERS -> sb.append(", items=").append(items);
            case SPLIT -> sb.append(", unroll=").append(unroll).append(", split=").append(split);
            case TILE -> sb.append(", vec=").append(vec).append(", cols=").append(cols);
            case VECTOR -> sb.append(", vec=").append(vec);
            case CHUNKS -> sb.append(", vec=").append(vec).append(", split=").append(split);
            default -> { }
        }
        return sb.append(", ").append(precision).append(')').toString();
    }
}
