/*
 * Runs every softmax-family call that is not plain last-axis softmax of float32/float64 arrays:
 * log-softmax, temperature, masks, any axis, 16-bit storage and gradients. The array is seen as
 * (outer, k, inner) with softmax over k: inner == 1 uses the last-axis variants (and their tuned
 * plans), inner > 1 the strided kernel that reads the layout in place. Batches larger than one
 * device buffer run in chunks of whole outer slices. Called by SoftmaxEngine under its lock.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.cl.Cl;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.kernel.Features;
import io.github.softmaxcl.kernel.Plan;
import io.github.softmaxcl.kernel.SoftmaxLauncher;
import org.jocl.CL;
import org.jocl.Pointer;

final class FamilyRunner {
    /** An array viewed as (outer, k, inner). */
    record Dims(long outer, long k, long inner) {
        long elements() {
            return outer * k * inner;
        }
    }

    private final SoftmaxEngine engine;
    private final ClContext context;
    private final ClQueue queue;
    private final SoftmaxLauncher launcher;

    FamilyRunner(SoftmaxEngine engine, ClContext context, ClQueue queue, SoftmaxLauncher launcher) {
        this.engine = engine;
        this.context = context;
        this.queue = queue;
        this.launcher = launcher;
    }

    /**
     * @param shape array shape, every extent &gt;= 0
     * @param axis axis, negative counts from the end
     * @param length the array's length
     * @return the (outer, k, inner) view
     * @throws IllegalArgumentException if the shape, axis or length is inconsistent
     */
    static Dims dims(long[] shape, int axis, long length) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException("shape must have at least one axis, got "
                    + (shape == null ? "null" : "[]"));
        }
        int a = axis < 0 ? axis + shape.length : axis;
        if (a < 0 || a >= shape.length) {
            throw new IllegalArgumentException("axis " + axis + " is out of range for a " + shape.length
                    + "-d array (use -" + shape.length + " to " + (shape.length - 1) + ")");
        }
        long outer = 1;
        long inner = 1;
        try {
            for (int i = 0; i < shape.length; i++) {
                if (shape[i] < 0) {
                    throw new IllegalArgumentException("shape[" + i + "] must be >= 0, got " + shape[i]);
                }
                if (i < a) {
                    outer = Math.multiplyExact(outer, shape[i]);
                } else if (i > a) {
                    inner = Math.multiplyExact(inner, shape[i]);
                }
            }
            long n = Math.multiplyExact(Math.multiplyExact(outer, shape[a]), inner);
            if (n != length) {
                throw new IllegalArgumentException("array length " + length + " does not match shape "
                        + java.util.Arrays.toString(shape) + " (" + n + " elements)");
            }
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("shape " + java.util.Arrays.toString(shape) + " overflows", e);
        }
        return new Dims(outer, shape[a], inner);
    }

    /**
     * @param mask null, one row of k bytes (last axis only), or one byte per element
     * @param d the dims
     * @return the mask stride for last-axis kernels (0 broadcast, k full)
     * @throws IllegalArgumentException if the mask's length fits neither form
     */
    static long checkMask(byte[] mask, Dims d) {
        if (mask == null) {
            return 0;
        }
        if (mask.length == d.elements()) {
            return d.k();
        }
        if (mask.length == d.k() && d.inner() == 1) {
            return 0;
        }
        throw new IllegalArgumentException("mask has " + mask.length + " entries; expected " + d.elements()
                + " (the array's shape)" + (d.inner() == 1 ? " or " + d.k() + " (one row, broadcast over all rows)" : ""));
    }

    static Features features(SoftmaxOptions o, boolean mask) {
        return new Features(o.log(), 1.0 / o.temperature(), mask, o.maskedRows() == MaskedRows.ZERO);
    }

    /** Forward softmax family. Buffers hold elements of {@code type} ({@code elemBytes} each). */
    void forward(Pointer x, Pointer y, int elemBytes, ElementType type, Dims d, Features f, byte[] mask,
            long maskStride) {
        long unitBytes = Math.multiplyExact(d.k() * d.inner(), (long) elemBytes);
        Plan plan = d.inner() == 1 ? engine.plan(d.outer(), d.k(), type) : null;
        long chunk = chunkUnits(d, unitBytes, plan == null ? 1 : plan.rowGroup());
        boolean fullMask = mask != null && maskStride != 0 || mask != null && d.inner() > 1;
        try (ClBuffer xb = ClBuffer.allocate(context, CL.CL_MEM_READ_ONLY, chunk * unitBytes);
                ClBuffer yb = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, chunk * unitBytes);
                ClBuffer mb = mask == null ? null : ClBuffer.allocate(context, CL.CL_MEM_READ_ONLY,
                        fullMask ? chunk * d.k() * d.inner() : d.k())) {
            if (mask != null && !fullMask) {
                mb.write(queue, 0, d.k(), Pointer.to(mask));
            }
            for (long u0 = 0; u0 < d.outer(); u0 += chunk) {
                long n = Math.min(chunk, d.outer() - u0);
                long bytes = n * unitBytes;
                xb.write(queue, 0, bytes, x.withByteOffset(u0 * unitBytes));
                if (fullMask) {
                    long per = d.k() * d.inner();
                    mb.write(queue, 0, n * per, Pointer.to(mask).withByteOffset(u0 * per));
                }
                if (engine.poisons()) {
                    poison(yb, bytes, elemBytes, type);
                }
                if (plan != null) {
                    launcher.enqueue(plan, f, xb, yb, n, d.k(), mb, maskStride, false);
                } else {
                    launcher.enqueueAxis(engine.sweepsAxis(), type, f, xb, yb, n, d.k(), d.inner(), mb, false);
                }
                yb.read(queue, 0, bytes, y.withByteOffset(u0 * unitBytes));
            }
        }
    }

    /** Gradient of softmax or log-softmax (per {@code f.log()}) from y and dy. */
    void backward(Pointer y, Pointer dy, Pointer dx, int elemBytes, ElementType type, Dims d, Features f) {
        long unitBytes = Math.multiplyExact(d.k() * d.inner(), (long) elemBytes);
        long chunk = chunkUnits(d, unitBytes, 1);
        try (ClBuffer yb = ClBuffer.allocate(context, CL.CL_MEM_READ_ONLY, chunk * unitBytes);
                ClBuffer db = ClBuffer.allocate(context, CL.CL_MEM_READ_ONLY, chunk * unitBytes);
                ClBuffer xb = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, chunk * unitBytes)) {
            for (long u0 = 0; u0 < d.outer(); u0 += chunk) {
                long n = Math.min(chunk, d.outer() - u0);
                long bytes = n * unitBytes;
                yb.write(queue, 0, bytes, y.withByteOffset(u0 * unitBytes));
                db.write(queue, 0, bytes, dy.withByteOffset(u0 * unitBytes));
                if (engine.poisons()) {
                    poison(xb, bytes, elemBytes, type);
                }
                launcher.enqueueBackward(type, f, yb, db, xb, n, d.k(), d.inner(), false);
                xb.read(queue, 0, bytes, dx.withByteOffset(u0 * unitBytes));
            }
        }
    }

    /** Outer slices per chunk: what fits one buffer, aligned to the plan's row group. */
    private long chunkUnits(Dims d, long unitBytes, int group) {
        long cap = engine.maxChunkBytes();
        if (unitBytes > cap) {
            throw new IllegalArgumentException("one softmax slice of " + d.k() * d.inner() + " elements (" + unitBytes
                    + " bytes) exceeds the largest buffer this device allows (" + cap + " bytes)");
        }
        long n = Math.min(d.outer(), cap / unitBytes);
        return n < d.outer() && n >= group ? n / group * group : n;
    }

    private void poison(ClBuffer b, long bytes, int elemBytes, ElementType type) {
        Pointer pattern = switch (elemBytes) {
            case 2 -> Pointer.to(new short[] {type == ElementType.BFLOAT16 ? (short) 0x7FC0 : (short) 0x7E00});
            case 4 -> Pointer.to(new float[] {Float.NaN});
            default -> Pointer.to(new double[] {Double.NaN});
        };
        Cl.check(CL.clEnqueueFillBuffer(queue.handle(), b.handle(), pattern, elemBytes, 0, bytes, 0, null, null),
                "clEnqueueFillBuffer");
    }
}
