/*
 * The engine's form of a public SoftmaxOp: plain values the planner and pipeline read, so nothing
 * below the API package depends on the public types beyond the element-type enum.
 */
package io.github.softmaxcl.exec;

/**
 * What to compute.
 *
 * @param log log-softmax instead of softmax
 * @param axis the softmax axis, negative counting from the end
 * @param temperature T &gt; 0: softmax(x / T)
 * @param mask null, one byte per element, or one row broadcast over all rows (0 = masked)
 * @param maskedZero rows with no finite unmasked entry give zeros (-inf for log) instead of NaN
 */
public record OpSpec(boolean log, int axis, double temperature, byte[] mask, boolean maskedZero) {
    /** Plain softmax along the last axis. */
    public static final OpSpec SOFTMAX = new OpSpec(false, -1, 1.0, null, false);
    /** Log-softmax along the last axis. */
    public static final OpSpec LOG_SOFTMAX = new OpSpec(true, -1, 1.0, null, false);

    /**
     * @param a the axis
     * @return this op along axis {@code a}
     */
    public OpSpec withAxis(int a) {
        return new OpSpec(log, a, temperature, mask, maskedZero);
    }
}
