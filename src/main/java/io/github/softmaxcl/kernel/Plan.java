/*
 * One launch configuration: which variant, with which compile-time and launch parameters. Plans are
 * plain values so tests and the tuner can build, print and compare them.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.Precision;

/**
 * A complete launch configuration for one softmax call.
 *
 * @param variant the kernel variant
 * @param precision element type
 * @param wg work-group size (power of two for REGISTERS and SPLIT)
 * @param items values per work-item (REGISTERS only, else 1)
 * @param unroll elements per work-item per online step (SPLIT only, else 1)
 * @param split work-groups per row (SPLIT only, else 1)
 */
public record Plan(Variant variant, Precision precision, int wg, int items, int unroll, int split) {

    /** @return the build options for kernels/softmax.cl */
    public String buildOptions() {
        StringBuilder sb = new StringBuilder("-DWG=").append(wg).append(" -DITEMS=").append(items)
                .append(" -DUNROLL=").append(unroll);
        if (precision == Precision.FLOAT64) {
            sb.append(" -DUSE_DOUBLE");
        }
        return sb.toString();
    }

    /**
     * @param cols row length
     * @return the columns covered by each of the {@code split} groups of a row
     */
    public long chunk(long cols) {
        return (cols + split - 1) / split;
    }

    @Override
    public String toString() {
        return variant + "(wg=" + wg + ", items=" + items + ", unroll=" + unroll + ", split=" + split + ", "
                + precision + ")";
    }
}
