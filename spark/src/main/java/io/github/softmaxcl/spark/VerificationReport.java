/*
 * The outcome of checking a sample of a transformer's output rows against the CPU reference on a
 * cluster: how much was checked, the worst errors, and pass or fail under the library's tolerances.
 */
package io.github.softmaxcl.spark;

/**
 * What {@link SoftmaxVerification} found.
 *
 * @param partitions partitions checked
 * @param rows rows checked (null rows included: their output must be null)
 * @param elements output elements compared with the reference
 * @param failedRows rows outside the tolerance, with a wrong non-finite pattern, or null where the
 *     input is not (or the reverse)
 * @param maxAbs largest |output - reference| over finite elements
 * @param maxRel largest relative error over elements above the tolerance's floor
 * @param maxRowSumDeviation largest deviation of a row's sum (of exp, for log-softmax) from the
 *     reference's
 * @param firstFailure the first failing row: why, and its input (shortened); empty if none
 */
public record VerificationReport(long partitions, long rows, long elements, long failedRows, double maxAbs,
        double maxRel, double maxRowSumDeviation, String firstFailure) {

    /** @return whether every checked row passed (and at least one row was checked) */
    public boolean passed() {
        return failedRows == 0 && rows > 0;
    }

    @Override
    public String toString() {
        return String.format("%s: %d rows (%d elements) in %d partitions checked against the CPU reference,"
                        + " %d failed; max abs %.3g, max rel %.3g, max row-sum deviation %.3g%s",
                passed() ? "PASS" : "FAIL", rows, elements, partitions, failedRows, maxAbs, maxRel,
                maxRowSumDeviation, firstFailure.isEmpty() ? "" : "; first failure: " + firstFailure);
    }
}
