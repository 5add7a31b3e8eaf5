/*
 * A planned operation, in the manner of oneDNN's primitives: an op on tensors of one element type
 * and shape, validated and planned once (kernel variant, launch geometry, programs built), then
 * executed any number of times on host or device tensors of that description.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.exec.EngineCore;
import io.github.softmaxcl.exec.Operand;
import io.github.softmaxcl.exec.OpSpec;
import io.github.softmaxcl.exec.Problem;
import java.util.Arrays;

/**
 * An op planned for one element type and shape on one engine.
 *
 * <pre>{@code
 * SoftmaxPrimitive p = engine.prepare(SoftmaxOp.logSoftmax(), ElementType.FLOAT32, rows, cols);
 * for (float[] batch : batches) {
 *     p.forward(HostTensor.of(batch, rows, cols), HostTensor.of(out, rows, cols));
 * }
 * }</pre>
 *
 * <p>Every call checks that its tensors have the planned type and shape; operands are either all
 * host tensors or all device tensors of this engine. The output may be the input (in place);
 * otherwise it must not overlap it. On a device failure a host output is filled with NaN, never
 * left half-written, and the engine stays usable.
 */
public final class SoftmaxPrimitive {
    private final SoftmaxEngine engine;
    private final SoftmaxOp op;
    private final OpSpec spec;
    private final Problem problem;

    SoftmaxPrimitive(SoftmaxEngine engine, SoftmaxOp op, Problem problem) {
        this.engine = engine;
        this.op = op;
        this.spec = op.spec();
        this.problem = problem;
    }

    /** @return the op */
    public SoftmaxOp op() {
        return op;
    }

    /** @return the element type */
    public ElementType type() {
        return problem.type();
    }

    /** @return a copy of the shape */
    public long[] shape() {
        return problem.shape().clone();
    }

    /**
     * Computes the op of {@code x} into {@code y}.
     *
     * @param x input; never modified unless it is {@code y}
     * @param y output, writable
     * @throws IllegalArgumentException if a tensor is null, read-only ({@code y}), of another type or
     *     shape, or host and device tensors are mixed
     * @throws IllegalStateException if the engine or a device tensor is closed
     * @throws SoftmaxException if the device fails
     */
    public void forward(Tensor x, Tensor y) {
        Operand[] o = operands(new Tensor[] {x, y}, "x", "y");
        core().forward(problem, spec.mask(), o[0], o[1]);
    }

    /**
     * Computes the gradient with respect to the logits from the forward output and the upstream gradient.
     *
     * @param y the forward output (probabilities, or log-probabilities for log-softmax)
     * @param dy the gradient with respect to {@code y}
     * @param dx the result, writable; may be {@code y} or {@code dy}
     * @throws IllegalArgumentException if a tensor is null, read-only ({@code dx}), of another type or
     *     shape, host and device tensors are mixed, or the op has a mask
     * @throws IllegalStateException if the engine or a device tensor is closed
     * @throws SoftmaxException if the device fails
     */
    public void backward(Tensor y, Tensor dy, Tensor dx) {
        if (problem.maskLength() >= 0) {
            throw new IllegalArgumentException("backward takes the op without its mask: masked entries have "
                    + "y = 0 and get no gradient from the unmasked formula anyway");
        }
        Operand[] o = operands(new Tensor[] {y, dy, dx}, "y", "dy", "dx");
        core().backward(problem, o[0], o[1], o[2]);
    }

    Problem problem() {
        return problem;
    }

    private EngineCore core() {
        return engine.core();
    }

    private Operand[] operands(Tensor[] t, String... names) {
        Operand[] o = new Operand[t.length];
        boolean device = false;
        for (int i = 0; i < t.length; i++) {
            if (t[i] == null) {
                throw new IllegalArgumentException(names[i] + " must not be null");
            }
            if (t[i].type() != problem.type() || !Arrays.equals(shapeOf(t[i]), problem.shape())) {
                throw new IllegalArgumentException(names[i] + " is " + t[i] + "; planned for "
                        + problem.describe());
            }
            if (t[i] instanceof DeviceTensor d) {
                if (d.engine() != engine) {
                    throw new IllegalArgumentException(names[i] + " belongs to another engine");
                }
                o[i] = d.data();
                device = true;
            } else {
                o[i] = ((HostTensor) t[i]).data();
            }
            if (i > 0 && (t[i] instanceof DeviceTensor) != (t[0] instanceof DeviceTensor)) {
                throw new IllegalArgumentException("mixing host and device tensors (" + names[0] + " is " + t[0]
                        + ", " + names[i] + " is " + t[i] + "): upload or download first");
            }
        }
        Tensor out = t[t.length - 1];
        if (!device && ((HostTensor) out).isReadOnly()) {
            throw new IllegalArgumentException(names[t.length - 1] + " is read-only");
        }
        return o;
    }

    private static long[] shapeOf(Tensor t) {
        return t instanceof HostTensor h ? h.shapeRef() : t.shape();
    }

    @Override
    public String toString() {
        return "SoftmaxPrimitive[" + op + " on " + problem.describe() + "]";
    }
}
