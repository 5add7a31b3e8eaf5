/*
 * The kernel variants of kernels/softmax.cl, as data that tests, benchmarks and the command line
 * iterate over. The planner picks one by row shape; callers may force one for testing.
 */
package io.github.softmaxcl.kernel;

/** A softmax kernel variant. */
public enum Variant {
    /** One work-item per row, no barriers: short rows. Reads each row from cache three times. */
    ROWS,
    /** One work-group per row, row held in private memory: one read and one write per element. */
    REGISTERS,
    /** Online (max, sum) per chunk, SPLIT work-groups per row, then a normalising pass: any length. */
    SPLIT
}
