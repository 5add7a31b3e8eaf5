/*
 * One validated problem: an op on a tensor of a given element type and shape, on one device. It
 * is computed once (shape and axis checks, mask form, kernel features, the last-axis plan) and then
 * executed any number of times on data of that description; this is what the public
 * SoftmaxPrimitive holds. Every argument error is raised here, before any data is touched.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.kernel.Features;
import io.github.softmaxcl.kernel.Plan;
import java.util.Arrays;

/**
 * A planned softmax-family problem. The tensor is seen as (outer, k, inner) with softmax over k.
 *
 * @param op what to compute, without the mask's bytes (they are passed to each call)
 * @param type element type of every operand
 * @param shape the tensor shape
 * @param outer product of the extents before the axis
 * @param k the axis extent
 * @param inner product of the extents after the axis
 * @param features kernel features
 * @param plan the last-axis plan (inner == 1 and elements &gt; 0), else null
 * @param maskStride mask bytes between rows for last-axis kernels: k for a full mask, 0 broadcast
 * @param maskLength the mask's length, or -1 without a mask
 */
public record Problem(OpSpec op, ElementType type, long[] shape, long outer, long k, long inner, Features features,
        Plan plan, long maskStride, int maskLength) {

    /** @return elements of the tensor */
    public long elements() {
        return outer * k * inner;
    }

    /** @return whether the mask holds one byte per element (and is chunked with the data) */
    public boolean fullMask() {
        return maskLength >= 0 && (maskStride != 0 || inner > 1);
    }

    /** @return e.g. "float32 [4096, 4096] axis -1", for messages */
    public String describe() {
        return type.label() + " " + Arrays.toString(shape) + " axis " + op.axis();
    }

    /**
     * @param other a last-axis plan for the same rows, e.g. with the other exp
     * @return this problem run with that plan
     * @throws IllegalArgumentException if this problem has no last-axis plan
     */
    public Problem withPlan(Plan other) {
        if (plan == null || other == null) {
            throw new IllegalArgumentException("only a last-axis problem's plan can be replaced");
        }
        return new Problem(op, type, shape, outer, k, inner, features, other, maskStride, maskLength);
    }

    /**
     * @param mask the mask passed to a call
     * @return it, after checking it has the length this problem was planned for
     * @throws IllegalArgumentException if not
     */
    public byte[] checkMask(byte[] mask) {
        int length = mask == null ? -1 : mask.length;
        if (length != maskLength) {
            throw new IllegalArgumentException("the problem was planned for " + (maskLength < 0 ? "no mask"
                    : "a mask of " + maskLength) + ", the call has " + (length < 0 ? "none" : "one of " + length));
        }
        return mask;
    }

    /**
     * Validates and plans.
     *
     * @param op the op; its mask is not read, {@code maskLength} stands for it
     * @param maskLength the length of the masks calls will pass, or -1 for none
     * @param type the element type
     * @param shape the shape, every extent &gt;= 0
     * @param core the engine that will run it (device, planner settings)
     * @return the problem
     * @throws IllegalArgumentException if the shape, axis or mask does not fit, or a forced variant cannot run it
     * @throws UnsupportedOperationException if the device cannot compute in this element type
     */
    static Problem of(OpSpec op, int maskLength, ElementType type, long[] shape, EngineCore core) {
        if (op == null || type == null) {
            throw new IllegalArgumentException((op == null ? "op" : "element type") + " must not be null");
        }
        DeviceInfo device = core.device();
        if (type == ElementType.FLOAT64 && !device.fp64()) {
            throw new UnsupportedOperationException("device " + device.name()
                    + " does not support float64 (no cl_khr_fp64); use float32");
        }
        long[] s = Shapes.check(shape);
        int a = op.axis() < 0 ? op.axis() + s.length : op.axis();
        if (a < 0 || a >= s.length) {
            throw new IllegalArgumentException("axis " + op.axis() + " is out of range for a " + s.length
                    + "-d tensor (use -" + s.length + " to " + (s.length - 1) + ")");
        }
        long outer = 1;
        long inner = 1;
        for (int i = 0; i < s.length; i++) {
            if (i < a) {
                outer *= s[i];
            } else if (i > a) {
                inner *= s[i];
            }
        }
        long k = s[a];
        long n = Shapes.elements(s);
        long maskStride = checkMask(maskLength, n, k, inner);
        Features f = new Features(op.log(), 1.0 / op.temperature(), maskLength >= 0, op.maskedZero());
        long rowBytes = Math.multiplyExact(Math.multiplyExact(k, inner), (long) type.bytes());
        if (n > 0 && rowBytes > core.maxChunkBytes()) {
            throw new IllegalArgumentException("one softmax slice of " + k * inner + " " + type.label()
                    + " elements (" + rowBytes + " bytes) exceeds the largest buffer this device allows ("
                    + core.maxChunkBytes() + " bytes)");
        }
        Plan plan = n > 0 && inner == 1 ? core.plan(outer, k, type) : null;
        OpSpec shapeOnly = new OpSpec(op.log(), op.axis(), op.temperature(), null, op.maskedZero());
        return new Problem(shapeOnly, type, s, outer, k, inner, f, plan, maskStride, maskLength);
    }

    private static long checkMask(int length, long n, long k, long inner) {
        if (length < 0) {
            return 0;
        }
        if (length == n) {
            return k;
        }
        if (length == k && inner == 1) {
            return 0;
        }
        throw new IllegalArgumentException("mask has " + length + " entries; expected " + n
                + " (the tensor's shape)" + (inner == 1 ? " or " + k + " (one row, broadcast over all rows)" : ""));
    }
}
