/*
 * An op planned once over a device group, as SoftmaxPrimitive is over one engine: the shape is
 * validated, its rows split over the devices and each device's part planned and built, then
 * executed any number of times on host tensors of that description.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.exec.GroupCore;
import io.github.softmaxcl.exec.HostData;
import io.github.softmaxcl.exec.OpSpec;
import java.util.Arrays;

/**
 * An op planned for one element type and shape on a {@link SoftmaxGroup}.
 *
 * <pre>{@code
 * GroupPrimitive p = group.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, rows, cols);
 * for (float[] batch : batches) {
 *     p.forward(HostTensor.of(batch, rows, cols), HostTensor.of(out, rows, cols));
 * }
 * }</pre>
 *
 * <p>The split is fixed when the primitive is prepared ({@link #split()}). The output may be the
 * input (in place); otherwise it must not overlap it. On a device failure the whole output is
 * filled with NaN, and the group stays usable.
 */
public final class GroupPrimitive {
    private final SoftmaxOp op;
    private final OpSpec spec;
    private final GroupCore.Planned planned;
    private final GroupCore core;

    GroupPrimitive(SoftmaxOp op, GroupCore.Planned planned, GroupCore core) {
        this.op = op;
        this.spec = op.spec();
        this.planned = planned;
        this.core = core;
    }

    /** @return the op */
    public SoftmaxOp op() {
        return op;
    }

    /** @return the element type */
    public ElementType type() {
        return planned.whole().type();
    }

    /** @return a copy of the shape */
    public long[] shape() {
        return planned.whole().shape().clone();
    }

    /**
     * @return how many rows (or, along another axis, outer slices) each device computes, in the
     *     group's device order; consecutive devices take consecutive rows
     */
    public long[] split() {
        return planned.units().clone();
    }

    /**
     * Computes the op of {@code x} into {@code y}, every device's part at once.
     *
     * @param x input; never modified unless it is {@code y}
     * @param y output, writable
     * @throws IllegalArgumentException if a tensor is null, {@code y} is read-only, or a tensor has
     *     another type or shape
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device if one fails (the whole output is then NaN)
     */
    public void forward(HostTensor x, HostTensor y) {
        HostData[] d = operands(new HostTensor[] {x, y}, "x", "y");
        core.forward(planned, spec.mask(), d[0], d[1]);
    }

    /**
     * Computes the gradient with respect to the logits, every device's part at once.
     *
     * @param y the forward output (probabilities, or log-probabilities for log-softmax)
     * @param dy the gradient with respect to {@code y}
     * @param dx the result, writable; may be {@code y} or {@code dy}
     * @throws IllegalArgumentException if a tensor is null, {@code dx} is read-only, a tensor has
     *     another type or shape, or the op has a mask
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device if one fails (the whole dx is then NaN)
     */
    public void backward(HostTensor y, HostTensor dy, HostTensor dx) {
        if (planned.whole().maskLength() >= 0) {
            throw new IllegalArgumentException("backward takes the op without its mask: masked entries have "
                    + "y = 0 and get no gradient from the unmasked formula anyway");
        }
        HostData[] d = operands(new HostTensor[] {y, dy, dx}, "y", "dy", "dx");
        core.backward(planned, d[0], d[1], d[2]);
    }

    private HostData[] operands(HostTensor[] t, String... names) {
        HostData[] d = new HostData[t.length];
        for (int i = 0; i < t.length; i++) {
            if (t[i] == null) {
                throw new IllegalArgumentException(names[i] + " must not be null");
            }
            if (t[i].type() != type() || !Arrays.equals(t[i].shapeRef(), planned.whole().shape())) {
                throw new IllegalArgumentException(names[i] + " is " + t[i] + "; planned for "
                        + planned.whole().describe());
            }
            d[i] = t[i].data();
        }
        if (t[t.length - 1].isReadOnly()) {
            throw new IllegalArgumentException(names[t.length - 1] + " is read-only");
        }
        return d;
    }

    @Override
    public String toString() {
        return "GroupPrimitive[" + op + " on " + planned.whole().describe() + ", split " + Arrays.toString(
                planned.units()) + "]";
    }
}
