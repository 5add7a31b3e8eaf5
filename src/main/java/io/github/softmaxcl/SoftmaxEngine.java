/*
 * The library's entry point: an engine bound to one OpenCL device that computes row-wise softmax
 * of Java arrays or NIO buffers. It owns the context, queue, programs and scratch memory for that
 * device; batches larger than one device allocation are processed in chunks of whole rows.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.cl.Cl;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.kernel.Features;
import io.github.softmaxcl.kernel.Plan;
import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.kernel.ProgramCache;
import io.github.softmaxcl.kernel.SoftmaxLauncher;
import io.github.softmaxcl.kernel.Tuning;
import io.github.softmaxcl.kernel.Variant;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import org.jocl.CL;
import org.jocl.Pointer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Row-wise softmax on an OpenCL device.
 *
 * <pre>{@code
 * try (SoftmaxEngine engine = SoftmaxEngine.create()) {
 *     float[] probs = engine.softmax(logits, rows, cols); // logits.length == rows * cols
 * }
 * }</pre>
 *
 * <p>Semantics, identical to {@link io.github.softmaxcl.reference.ReferenceSoftmax}: each row is
 * normalised independently; a row containing NaN or +inf, or whose entries are all -inf, becomes all
 * NaN; -inf entries of any other row become exactly 0. The input is never modified. Empty shapes
 * ({@code rows == 0} or {@code cols == 0}) are accepted and do nothing.
 *
 * <p>Memory: the engine keeps its largest host-to-device staging buffers for reuse until it is
 * closed. On devices with their own memory (discrete GPUs), large array calls are cut into chunks
 * that alternate between two queues, so uploads and downloads overlap the kernels. Direct NIO buffers on devices that share memory with the host (PoCL, integrated GPUs)
 * are used in place (CL_MEM_USE_HOST_PTR): no staging copy at all.
 *
 * <p>Thread safety: an engine may be shared between threads. Calls are serialised by a lock around
 * each whole operation (upload, kernels, download), because OpenCL kernel objects hold their
 * arguments as shared state. For parallel throughput on one device, use one engine per thread.
 */
public final class SoftmaxEngine implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(SoftmaxEngine.class);

    private final DeviceInfo device;
    private final Variant forcedVariant;
    private final int forcedSplit;
    private final boolean poison;
    private final long chunkBytes;
    private final Tuning tuning;
    private final ReentrantLock lock = new ReentrantLock();
    private final ClContext context;
    private final ClQueue queue;
    private final ProgramCache programs;
    private final SoftmaxLauncher launcher;
    private final FamilyRunner family;
    /** Staging buffers reused across calls: fresh allocations cost page faults on every call. */
    private ClBuffer stageIn;
    private ClBuffer stageOut;
    private final Boolean overlap;
    private final Boolean sweepAxis;
    /** Second queue, launcher and two staging sets of the overlapped path, created on first use. */
    private ClQueue queue2;
    private SoftmaxLauncher launcher2;
    private final ByteBuffer[] hostIn = new ByteBuffer[2];
    private final ByteBuffer[] hostOut = new ByteBuffer[2];
    private final ClBuffer[] devIn = new ClBuffer[2];
    private final ClBuffer[] devOut = new ClBuffer[2];
    private boolean closed;

    private SoftmaxEngine(Builder b) {
        this.device = b.device != null ? b.device : Devices.select(b.spec);
        this.forcedVariant = b.variant;
        this.forcedSplit = b.split;
        this.poison = b.poison;
        long cap = Math.min(device.maxAllocBytes(), Math.max(1, device.globalMemBytes() / 4));
        this.chunkBytes = b.chunkBytes > 0 ? Math.min(b.chunkBytes, cap) : cap;
        this.tuning = b.tuning ? Tuning.load(device) : Tuning.NONE;
        this.overlap = b.overlap;
        this.sweepAxis = b.sweepAxis;
        ClContext ctx = new ClContext(device.platform(), device.device());
        ClQueue q = null;
        try {
            q = new ClQueue(ctx);
        } catch (RuntimeException e) {
            ctx.close();
            throw e;
        }
        this.context = ctx;
        this.queue = q;
        this.programs = new ProgramCache(ctx);
        this.launcher = new SoftmaxLauncher(ctx, q, programs, device);
        this.family = new FamilyRunner(this, ctx, q, launcher);
        LOG.info("softmax-cl device {}{}", device.describe(),
                tuning.entries().isEmpty() ? "" : " with " + tuning.entries().size() + " tuned entries");
    }

    /**
     * Opens an engine on the default device: SOFTMAX_CL_DEVICE or softmaxcl.device if set, else the
     * first GPU, accelerator or CPU.
     *
     * @return the engine
     * @throws OpenClUnavailableException if the machine has no OpenCL platform (the message says what to install)
     * @throws IllegalArgumentException if the configured device spec matches no device
     * @throws io.github.softmaxcl.cl.ClException if the device cannot be opened
     */
    public static SoftmaxEngine create() {
        return builder().build();
    }

    /**
     * Opens an engine on the device matching {@code spec}.
     *
     * @param spec {@code gpu}, {@code cpu}, {@code accelerator}, {@code P:D}, or part of a device name
     * @return the engine
     * @throws OpenClUnavailableException if the machine has no OpenCL platform
     * @throws IllegalArgumentException if the spec matches no device
     * @throws io.github.softmaxcl.cl.ClException if the device cannot be opened
     */
    public static SoftmaxEngine create(String spec) {
        return builder().device(spec).build();
    }

    /** @return a builder for an engine with non-default options */
    public static Builder builder() {
        return new Builder();
    }

    /** @return the device this engine runs on */
    public DeviceInfo device() {
        return device;
    }

    /**
     * @return the largest device buffer this engine allocates, in bytes: the builder's cap, else the
     *     device's max allocation bounded by a quarter of its global memory. One row must fit in it.
     */
    public long maxChunkBytes() {
        return chunkBytes;
    }

    /**
     * The plan this engine would use for a shape.
     *
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @return the plan
     * @throws IllegalArgumentException if a forced variant cannot run this shape
     */
    public Plan plan(long rows, long cols, ElementType precision) {
        return Planner.plan(rows, cols, precision, device, forcedVariant, forcedSplit, tuning);
    }

    /**
     * Rows that a caller splitting a batch into several calls should keep together: calls whose row
     * counts are multiples of this (except the last) give the same bits as one call for the whole
     * batch. 16 for short rows on CPUs, 1 otherwise.
     *
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @return the row group size
     * @throws IllegalArgumentException if a forced variant cannot run this row length
     */
    public int rowGroup(long cols, ElementType precision) {
        return plan(1, cols, precision).rowGroup();
    }

    /**
     * Softmax of each row of a row-major {@code rows x cols} matrix.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative, or
     *     {@code rows * cols != logits.length}
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public float[] softmax(float[] logits, int rows, int cols) {
        requireNonNull(logits, "logits");
        float[] out = new float[logits.length];
        softmax(logits, out, rows, cols);
        return out;
    }

    /**
     * Softmax of each row into a caller-supplied array. If the device fails after validation, the
     * output is filled with NaN before the exception propagates, never left partly written.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param out the output, same length, must not be {@code logits}
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @throws IllegalArgumentException if an array is null, a size is negative, lengths do not equal
     *     {@code rows * cols}, or {@code out == logits}
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(float[] logits, float[] out, int rows, int cols) {
        requireNonNull(logits, "logits");
        requireNonNull(out, "out");
        checkShape(rows, cols, logits.length, out.length, logits == out);
        HostIo io = new HostIo((off, n, b) -> b.asFloatBuffer().put(logits, (int) off, n),
                (b, off, n) -> b.asFloatBuffer().get(out, (int) off, n));
        runArrays(Pointer.to(logits), Pointer.to(out), io, rows, cols, ElementType.FLOAT32,
                () -> Arrays.fill(out, Float.NaN));
    }

    /**
     * Float64 softmax of each row of a row-major {@code rows x cols} matrix.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of probabilities
     * @throws IllegalArgumentException as for {@link #softmax(float[], int, int)}
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public double[] softmax(double[] logits, int rows, int cols) {
        requireNonNull(logits, "logits");
        double[] out = new double[logits.length];
        softmax(logits, out, rows, cols);
        return out;
    }

    /**
     * Float64 softmax into a caller-supplied array; on device failure the output is filled with NaN.
     *
     * @param logits the input; not modified
     * @param out the output, same length, must not be {@code logits}
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @throws IllegalArgumentException as for {@link #softmax(float[], float[], int, int)}
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(double[] logits, double[] out, int rows, int cols) {
        requireNonNull(logits, "logits");
        requireNonNull(out, "out");
        checkShape(rows, cols, logits.length, out.length, logits == out);
        HostIo io = new HostIo((off, n, b) -> b.asDoubleBuffer().put(logits, (int) off, n),
                (b, off, n) -> b.asDoubleBuffer().get(out, (int) off, n));
        runArrays(Pointer.to(logits), Pointer.to(out), io, rows, cols, ElementType.FLOAT64,
                () -> Arrays.fill(out, Double.NaN));
    }

    /**
     * Softmax of {@code rows x cols} floats from {@code in}'s position into {@code out}'s position.
     * Buffers may be direct (no copy on the Java side) or heap buffers; positions are not moved.
     *
     * @param in input, at least {@code rows * cols} remaining; not modified
     * @param out output, at least {@code rows * cols} remaining; must not share memory with {@code in}
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @throws IllegalArgumentException if a buffer is null, read-only ({@code out}), too small, or a size is bad
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(FloatBuffer in, FloatBuffer out, long rows, long cols) {
        requireNonNull(in, "in");
        requireNonNull(out, "out");
        checkBuffers(in, out, rows, cols);
        runBuffers(in, out, rows, cols, ElementType.FLOAT32, () -> {
            for (long i = 0; i < rows * cols; i++) {
                out.put(out.position() + (int) i, Float.NaN);
            }
        });
    }

    /**
     * Float64 variant of {@link #softmax(FloatBuffer, FloatBuffer, long, long)}.
     *
     * @param in input, at least {@code rows * cols} remaining; not modified
     * @param out output, at least {@code rows * cols} remaining
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @throws IllegalArgumentException if a buffer is null, read-only ({@code out}), too small, or a size is bad
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(DoubleBuffer in, DoubleBuffer out, long rows, long cols) {
        requireNonNull(in, "in");
        requireNonNull(out, "out");
        checkBuffers(in, out, rows, cols);
        runBuffers(in, out, rows, cols, ElementType.FLOAT64, () -> {
            for (long i = 0; i < rows * cols; i++) {
                out.put(out.position() + (int) i, Double.NaN);
            }
        });
    }

    // ------------------------------------------------------------------ the softmax family

    /**
     * Log-softmax of each row: x - max - log(sum exp(x - max)), computed directly (not as the log of
     * softmax). Masked (-inf) entries give -inf; NaN, +inf and all -inf rows give NaN rows.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array
     * @throws IllegalArgumentException as for {@link #softmax(float[], int, int)}
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public float[] logSoftmax(float[] logits, int rows, int cols) {
        requireNonNull(logits, "logits");
        float[] out = new float[logits.length];
        softmax(logits, out, rows, cols, SoftmaxOptions.LOG_SOFTMAX, null);
        return out;
    }

    /**
     * Float64 log-softmax of each row; see {@link #logSoftmax(float[], int, int)}.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array
     * @throws IllegalArgumentException as for {@link #softmax(float[], int, int)}
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public double[] logSoftmax(double[] logits, int rows, int cols) {
        requireNonNull(logits, "logits");
        double[] out = new double[logits.length];
        softmax(logits, out, rows, cols, SoftmaxOptions.LOG_SOFTMAX, null);
        return out;
    }

    /**
     * Softmax-family call along the last axis of a row-major matrix, with options and an optional mask.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param out the output, same length, not {@code logits}
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @param options log form, temperature, masked-row policy
     * @param mask null, or one byte per element (0 = masked), or one row of {@code cols} bytes broadcast
     *     over every row; masked entries get exactly 0 (-inf for log)
     * @throws IllegalArgumentException if an argument is null (except mask), a size or length is wrong
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(float[] logits, float[] out, int rows, int cols, SoftmaxOptions options, byte[] mask) {
        softmax(logits, out, new long[] {rows, cols}, -1, options, mask);
    }

    /**
     * Float64 version of {@link #softmax(float[], float[], int, int, SoftmaxOptions, byte[])}.
     *
     * @param logits the input; not modified
     * @param out the output, same length
     * @param rows number of rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @param options log form, temperature, masked-row policy
     * @param mask null, a full mask, or one broadcast row
     * @throws IllegalArgumentException if an argument is null (except mask), a size or length is wrong
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(double[] logits, double[] out, int rows, int cols, SoftmaxOptions options, byte[] mask) {
        softmax(logits, out, new long[] {rows, cols}, -1, options, mask);
    }

    /**
     * Softmax family along any axis of an N-d row-major array, computed in place on the strided
     * layout (no transpose).
     *
     * @param x the input, length = product of {@code shape}; not modified
     * @param out the output, same length, not {@code x}
     * @param shape the array's shape
     * @param axis the softmax axis; negative counts from the end (-1 is the last)
     * @param options log form, temperature, masked-row policy
     * @param mask null, one byte per element, or (last axis only) one broadcast row
     * @throws IllegalArgumentException if the shape, axis, lengths or mask do not fit
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(float[] x, float[] out, long[] shape, int axis, SoftmaxOptions options, byte[] mask) {
        requireNonNull(x, "x");
        requireNonNull(out, "out");
        runFamily(x.length, out.length, x == out, shape, axis, options, mask, ElementType.FLOAT32, 4,
                Pointer.to(x), Pointer.to(out), () -> Arrays.fill(out, Float.NaN),
                rc -> softmax(x, out, (int) rc[0], (int) rc[1]));
    }

    /**
     * Float64 version of {@link #softmax(float[], float[], long[], int, SoftmaxOptions, byte[])}.
     *
     * @param x the input; not modified
     * @param out the output, same length
     * @param shape the array's shape
     * @param axis the softmax axis; negative counts from the end
     * @param options log form, temperature, masked-row policy
     * @param mask null, one byte per element, or (last axis only) one broadcast row
     * @throws IllegalArgumentException if the shape, axis, lengths or mask do not fit
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(double[] x, double[] out, long[] shape, int axis, SoftmaxOptions options, byte[] mask) {
        requireNonNull(x, "x");
        requireNonNull(out, "out");
        runFamily(x.length, out.length, x == out, shape, axis, options, mask, ElementType.FLOAT64, 8,
                Pointer.to(x), Pointer.to(out), () -> Arrays.fill(out, Double.NaN),
                rc -> softmax(x, out, (int) rc[0], (int) rc[1]));
    }

    /**
     * Softmax family on 16-bit data (raw IEEE half or bfloat16 bits), computed in float32 on the device.
     *
     * @param x the input bits; not modified
     * @param out the output bits, same length, not {@code x}
     * @param shape the array's shape
     * @param axis the softmax axis; negative counts from the end
     * @param format FLOAT16 or BFLOAT16
     * @param options log form, temperature, masked-row policy
     * @param mask null, one byte per element, or (last axis only) one broadcast row
     * @throws IllegalArgumentException if an argument is null (except mask) or the shape does not fit
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(short[] x, short[] out, long[] shape, int axis, HalfFormat format, SoftmaxOptions options,
            byte[] mask) {
        requireNonNull(x, "x");
        requireNonNull(out, "out");
        requireNonNull(format, "format");
        short nan = format == HalfFormat.FLOAT16 ? (short) 0x7E00 : (short) 0x7FC0;
        runFamily(x.length, out.length, x == out, shape, axis, options, mask, storage(format), 2,
                Pointer.to(x), Pointer.to(out), () -> Arrays.fill(out, nan), null);
    }

    /**
     * Gradient of softmax (or log-softmax, if {@code options.log()}) with respect to its logits:
     * dx = y * (dy - sum(dy * y)), or dx = dy - exp(y) * sum(dy) for log-softmax, along one axis; with a
     * temperature T both are divided by T.
     *
     * @param y the forward output (probabilities, or log-probabilities for log-softmax); not modified
     * @param dy the gradient of the loss with respect to y, same length; not modified
     * @param dx the result, same length, neither y nor dy
     * @param shape the arrays' shape
     * @param axis the softmax axis; negative counts from the end
     * @param options log form and temperature (the masked-row policy does not apply)
     * @throws IllegalArgumentException if an argument is null, or the shape or lengths do not fit
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmaxBackward(float[] y, float[] dy, float[] dx, long[] shape, int axis, SoftmaxOptions options) {
        requireNonNull(y, "y");
        requireNonNull(dy, "dy");
        requireNonNull(dx, "dx");
        runBackward(y.length, dy.length, dx.length, dx == y || dx == dy, shape, axis, options, ElementType.FLOAT32,
                4, Pointer.to(y), Pointer.to(dy), Pointer.to(dx), () -> Arrays.fill(dx, Float.NaN));
    }

    /**
     * Float64 version of {@link #softmaxBackward(float[], float[], float[], long[], int, SoftmaxOptions)}.
     *
     * @param y the forward output; not modified
     * @param dy the upstream gradient; not modified
     * @param dx the result
     * @param shape the arrays' shape
     * @param axis the softmax axis
     * @param options log form and temperature
     * @throws IllegalArgumentException if an argument is null, or the shape or lengths do not fit
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmaxBackward(double[] y, double[] dy, double[] dx, long[] shape, int axis,
            SoftmaxOptions options) {
        requireNonNull(y, "y");
        requireNonNull(dy, "dy");
        requireNonNull(dx, "dx");
        runBackward(y.length, dy.length, dx.length, dx == y || dx == dy, shape, axis, options, ElementType.FLOAT64,
                8, Pointer.to(y), Pointer.to(dy), Pointer.to(dx), () -> Arrays.fill(dx, Double.NaN));
    }

    /**
     * 16-bit version of {@link #softmaxBackward(float[], float[], float[], long[], int, SoftmaxOptions)}.
     *
     * @param y the forward output bits; not modified
     * @param dy the upstream gradient bits; not modified
     * @param dx the result bits
     * @param shape the arrays' shape
     * @param axis the softmax axis
     * @param format FLOAT16 or BFLOAT16
     * @param options log form and temperature
     * @throws IllegalArgumentException if an argument is null, or the shape or lengths do not fit
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmaxBackward(short[] y, short[] dy, short[] dx, long[] shape, int axis, HalfFormat format,
            SoftmaxOptions options) {
        requireNonNull(y, "y");
        requireNonNull(dy, "dy");
        requireNonNull(dx, "dx");
        requireNonNull(format, "format");
        short nan = format == HalfFormat.FLOAT16 ? (short) 0x7E00 : (short) 0x7FC0;
        runBackward(y.length, dy.length, dx.length, dx == y || dx == dy, shape, axis, options, storage(format),
                2, Pointer.to(y), Pointer.to(dy), Pointer.to(dx), () -> Arrays.fill(dx, nan));
    }

    private static ElementType storage(HalfFormat f) {
        return f == HalfFormat.FLOAT16 ? ElementType.FLOAT16 : ElementType.BFLOAT16;
    }

    /** Validates, then runs a forward family call; plain last-axis softmax takes the fast paths. */
    private void runFamily(int inLength, int outLength, boolean same, long[] shape, int axis, SoftmaxOptions options,
            byte[] mask, ElementType type, int elemBytes, Pointer x, Pointer y,
            Runnable poisonOut, java.util.function.Consumer<long[]> plain) {
        requireNonNull(options, "options");
        FamilyRunner.Dims d = FamilyRunner.dims(shape, axis, inLength);
        if (outLength != inLength) {
            throw new IllegalArgumentException("out.length=" + outLength + " does not equal the input's " + inLength);
        }
        if (same && inLength > 0) {
            throw new IllegalArgumentException("out must not be the input array (the input is never modified)");
        }
        long maskStride = FamilyRunner.checkMask(mask, d);
        requirePrecision(type.computeType());
        if (d.elements() == 0) {
            return;
        }
        Features f = FamilyRunner.features(options, mask != null);
        if (plain != null && f.equals(Features.PLAIN) && d.inner() == 1 && d.outer() <= Integer.MAX_VALUE
                && d.k() <= Integer.MAX_VALUE) {
            plain.accept(new long[] {d.outer(), d.k()});
            return;
        }
        guarded(poisonOut, () -> family.forward(x, y, elemBytes, type, d, f, mask, maskStride));
    }

    private void runBackward(int yLength, int dyLength, int dxLength, boolean aliased, long[] shape, int axis,
            SoftmaxOptions options, ElementType type, int elemBytes, Pointer y, Pointer dy,
            Pointer dx, Runnable poisonOut) {
        requireNonNull(options, "options");
        FamilyRunner.Dims d = FamilyRunner.dims(shape, axis, yLength);
        if (dyLength != yLength || dxLength != yLength) {
            throw new IllegalArgumentException("y, dy and dx must have the same length, got " + yLength + ", "
                    + dyLength + ", " + dxLength);
        }
        if (aliased && yLength > 0) {
            throw new IllegalArgumentException("dx must not be y or dy");
        }
        requirePrecision(type.computeType());
        if (d.elements() == 0) {
            return;
        }
        Features f = FamilyRunner.features(options, false);
        guarded(poisonOut, () -> family.backward(y, dy, dx, elemBytes, type, d, f));
    }

    private void guarded(Runnable poisonOut, Runnable body) {
        lock.lock();
        try {
            ensureOpen();
            body.run();
        } catch (RuntimeException e) {
            poisonOut.run();
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** @return whether a non-last axis uses the row-sweeping kernels (else the lane-per-column kernel) */
    boolean sweepsAxis() {
        return sweepAxis != null ? sweepAxis : Planner.prefersVectors(device);
    }

    /** @return whether device outputs are poisoned with NaN before each kernel (verification) */
    boolean poisons() {
        return poison;
    }

    /**
     * Allocates an uninitialised device-resident matrix.
     *
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param precision element type
     * @return the matrix; the caller closes it
     * @throws IllegalArgumentException if a size is not positive or the matrix exceeds one device allocation
     * @throws UnsupportedOperationException for FLOAT64 on a device without cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if allocation fails
     */
    public DeviceMatrix allocate(long rows, long cols, ElementType precision) {
        if (rows < 1 || cols < 1) {
            throw new IllegalArgumentException("a device matrix needs rows >= 1 and cols >= 1, got " + rows + " x " + cols);
        }
        requirePrecision(precision);
        long bytes = Math.multiplyExact(checkedElements(rows, cols), (long) precision.bytes());
        if (bytes > device.maxAllocBytes()) {
            throw new IllegalArgumentException(rows + " x " + cols + " " + precision + " is " + bytes
                    + " bytes, more than one allocation on this device allows (" + device.maxAllocBytes() + ")");
        }
        lock.lock();
        try {
            ensureOpen();
            return new DeviceMatrix(this, ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes), rows, cols, precision);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Copies a matrix to the device.
     *
     * @param data row-major values, length {@code rows * cols}
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @return the device matrix; the caller closes it
     * @throws IllegalArgumentException if the shape does not match the array
     * @throws io.github.softmaxcl.cl.ClException if allocation or transfer fails
     */
    public DeviceMatrix upload(float[] data, int rows, int cols) {
        requireNonNull(data, "data");
        checkShape(rows, cols, data.length, data.length, false);
        DeviceMatrix m = allocate(rows, cols, ElementType.FLOAT32);
        try {
            m.upload(data);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /**
     * Copies a float64 matrix to the device.
     *
     * @param data row-major values, length {@code rows * cols}
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @return the device matrix; the caller closes it
     * @throws IllegalArgumentException if the shape does not match the array
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws io.github.softmaxcl.cl.ClException if allocation or transfer fails
     */
    public DeviceMatrix upload(double[] data, int rows, int cols) {
        requireNonNull(data, "data");
        checkShape(rows, cols, data.length, data.length, false);
        DeviceMatrix m = allocate(rows, cols, ElementType.FLOAT64);
        try {
            m.upload(data);
        } catch (RuntimeException e) {
            m.close();
            throw e;
        }
        return m;
    }

    /**
     * Softmax of a device matrix into another (or the same, for in-place) device matrix, without any
     * host transfer. Returns when the result is complete.
     *
     * @param in input on this engine's device
     * @param out output of the same shape and precision; may be {@code in}
     * @throws IllegalArgumentException if the matrices belong to another engine or differ in shape or precision
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmax(DeviceMatrix in, DeviceMatrix out) {
        timed(in, out, null, false);
    }

    /**
     * In-place softmax of a device matrix.
     *
     * @param matrix the matrix, overwritten with its softmax
     * @throws IllegalArgumentException if the matrix belongs to another engine
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void softmaxInPlace(DeviceMatrix matrix) {
        timed(matrix, matrix, null, false);
    }

    /**
     * Runs softmax on device matrices once and returns the kernels' device execution time from
     * profiling events (for benchmarks; excludes transfers and launch overhead on the host).
     *
     * @param in input
     * @param out output, may be {@code in}
     * @return nanoseconds of kernel execution
     * @throws IllegalArgumentException as for {@link #softmax(DeviceMatrix, DeviceMatrix)}
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public long kernelNanos(DeviceMatrix in, DeviceMatrix out) {
        return timed(in, out, plan(in.rows(), in.cols(), in.precision()), true);
    }

    /**
     * Runs one given plan on device matrices and returns its kernels' device time (for the tuner
     * and for comparing variants; the plan must come from {@link Planner} for this shape).
     *
     * @param in input
     * @param out output, may be {@code in}
     * @param plan the plan to run
     * @return nanoseconds of kernel execution
     * @throws IllegalArgumentException as for {@link #softmax(DeviceMatrix, DeviceMatrix)}, or if the
     *     plan's precision differs from the matrices'
     * @throws io.github.softmaxcl.cl.ClException if the device rejects the plan or fails
     */
    public long kernelNanos(DeviceMatrix in, DeviceMatrix out, Plan plan) {
        requireNonNull(plan, "plan");
        if (in != null && plan.type() != in.precision()) {
            throw new IllegalArgumentException("plan is " + plan.type() + ", matrices are " + in.precision());
        }
        return timed(in, out, plan, true);
    }

    /**
     * Softmax along the first axis of a device matrix (each column normalised), on the strided layout
     * in place: no transpose. Returns the kernel's device time (for benchmarks).
     *
     * @param in input, rows x cols
     * @param out output of the same shape, not {@code in}
     * @return nanoseconds of kernel execution
     * @throws IllegalArgumentException if the matrices differ, are the same, or belong to another engine
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public long columnSoftmaxNanos(DeviceMatrix in, DeviceMatrix out) {
        checkPair(in, out);
        if (in == out) {
            throw new IllegalArgumentException("column softmax needs two different matrices");
        }
        lock.lock();
        try {
            ensureOpen();
            ElementType p = in.precision();
            List<ClEvent> events = launcher.enqueueAxis(sweepsAxis(), p, Features.PLAIN, in.buffer(), out.buffer(), 1,
                    in.rows(), in.cols(), null, true);
            try {
                long nanos = 0;
                for (ClEvent e : events) {
                    nanos += e.elapsedNanos();
                }
                return nanos;
            } finally {
                events.forEach(ClEvent::close);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fills a device matrix with one value (e.g. NaN, to prove a kernel writes every element).
     *
     * @param matrix the matrix
     * @param value the value, converted to the matrix's precision
     * @throws IllegalArgumentException if the matrix belongs to another engine
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public void fill(DeviceMatrix matrix, double value) {
        requireNonNull(matrix, "matrix");
        checkPair(matrix, matrix);
        lock.lock();
        try {
            ensureOpen();
            Pointer pattern = matrix.precision() == ElementType.FLOAT32
                    ? Pointer.to(new float[] {(float) value}) : Pointer.to(new double[] {value});
            Cl.check(CL.clEnqueueFillBuffer(queue.handle(), matrix.buffer().handle(), pattern,
                    matrix.precision().bytes(), 0, matrix.bytes(), 0, null, null), "clEnqueueFillBuffer");
            queue.finish();
        } finally {
            lock.unlock();
        }
    }

    /** @return the tuned entries this engine plans with (empty without a tuning cache) */
    public Tuning tuning() {
        return tuning;
    }

    /**
     * Runs a plain copy kernel from {@code in} to {@code out} and returns its device time: the
     * bandwidth yardstick that softmax's kernel time is compared with in benchmarks.
     *
     * @param in source
     * @param out destination of the same size, not {@code in}
     * @return nanoseconds of kernel execution
     * @throws IllegalArgumentException if the matrices differ in size, are the same, or belong to another engine
     * @throws io.github.softmaxcl.cl.ClException if the device fails
     */
    public long copyNanos(DeviceMatrix in, DeviceMatrix out) {
        checkPair(in, out);
        if (in == out) {
            throw new IllegalArgumentException("copy needs two different matrices");
        }
        lock.lock();
        try {
            ensureOpen();
            return launcher.copyNanos(in.buffer(), out.buffer(), in.bytes());
        } finally {
            lock.unlock();
        }
    }

    private void checkPair(DeviceMatrix in, DeviceMatrix out) {
        requireNonNull(in, "in");
        requireNonNull(out, "out");
        if (in.engine() != this || out.engine() != this) {
            throw new IllegalArgumentException("device matrices belong to another engine");
        }
        if (in.rows() != out.rows() || in.cols() != out.cols() || in.precision() != out.precision()) {
            throw new IllegalArgumentException("shape mismatch: in is " + in + ", out is " + out);
        }
    }

    private long timed(DeviceMatrix in, DeviceMatrix out, Plan given, boolean profile) {
        checkPair(in, out);
        Plan plan = given != null ? given : plan(in.rows(), in.cols(), in.precision());
        lock.lock();
        try {
            ensureOpen();
            List<ClEvent> events = launcher.enqueue(plan, Features.PLAIN, in.buffer(), out.buffer(), in.rows(),
                    in.cols(), null, 0, profile);
            long nanos = 0;
            try {
                for (ClEvent e : events) {
                    nanos += e.elapsedNanos();
                }
            } finally {
                events.forEach(ClEvent::close);
            }
            queue.finish();
            return nanos;
        } finally {
            lock.unlock();
        }
    }

    ClQueue queue() {
        return queue;
    }

    /** Runs a transfer on this engine's queue under its lock. */
    void transfer(Runnable r) {
        lock.lock();
        try {
            ensureOpen();
            r.run();
        } finally {
            lock.unlock();
        }
    }

    private void requirePrecision(ElementType precision) {
        if (precision == null) {
            throw new IllegalArgumentException("precision must not be null");
        }
        if (precision == ElementType.FLOAT64 && !device.fp64()) {
            throw new UnsupportedOperationException("device " + device.name()
                    + " does not support float64 (no cl_khr_fp64); use float32");
        }
    }

    private static void requireNonNull(Object o, String name) {
        if (o == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
    }

    private static long checkedElements(long rows, long cols) {
        if (rows < 0) {
            throw new IllegalArgumentException("rows must be >= 0, got " + rows);
        }
        if (cols < 0) {
            throw new IllegalArgumentException("cols must be >= 0, got " + cols);
        }
        try {
            return Math.multiplyExact(rows, cols);
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("rows * cols overflows: rows=" + rows + ", cols=" + cols, e);
        }
    }

    private static void checkShape(long rows, long cols, int inLength, int outLength, boolean same) {
        long n = checkedElements(rows, cols);
        if (n != inLength) {
            throw new IllegalArgumentException("logits.length=" + inLength + " does not equal rows * cols = "
                    + rows + " * " + cols + " = " + n);
        }
        if (outLength != inLength) {
            throw new IllegalArgumentException("out.length=" + outLength + " does not equal logits.length="
                    + inLength);
        }
        if (same && n > 0) {
            throw new IllegalArgumentException("out must not be the logits array (the input is never modified)");
        }
    }

    private static void checkBuffers(Buffer in, Buffer out, long rows, long cols) {
        long n = checkedElements(rows, cols);
        if (in.remaining() < n) {
            throw new IllegalArgumentException("in has " + in.remaining() + " elements remaining, rows * cols = " + n);
        }
        if (out.remaining() < n) {
            throw new IllegalArgumentException("out has " + out.remaining() + " elements remaining, rows * cols = " + n);
        }
        if (out.isReadOnly()) {
            throw new IllegalArgumentException("out is a read-only buffer");
        }
        if (in == out && n > 0) {
            throw new IllegalArgumentException("out must not be the same buffer as in");
        }
    }

    /** NIO buffers: zero-copy when both are direct and the device shares the host's memory. */
    private void runBuffers(Buffer in, Buffer out, long rows, long cols, ElementType precision, Runnable poisonOut) {
        boolean zeroCopy = in.isDirect() && out.isDirect() && device.hostUnifiedMemory() && rows * cols > 0;
        Pointer src = zeroCopy ? null : Pointer.to(precision == ElementType.FLOAT32
                ? ((FloatBuffer) in).slice() : ((DoubleBuffer) in).slice());
        Pointer dst = zeroCopy ? null : Pointer.to(precision == ElementType.FLOAT32
                ? ((FloatBuffer) out).slice() : ((DoubleBuffer) out).slice());
        boolean overlapped = overlap != null ? overlap : !zeroCopy && overlaps(rows, cols, precision);
        runGuarded(rows, cols, precision, poisonOut, plan -> {
            if (overlapped) {
                runOverlapped(plan, bufferIo(in, out, precision), rows, cols, precision);
            } else if (zeroCopy) {
                runZeroCopy(plan, in, out, rows, cols, precision);
            } else {
                run(plan, src, dst, rows, cols, precision);
            }
        });
    }

    /** Host side of the overlapped path for NIO buffers: bulk copies to and from the pinned staging. */
    private static HostIo bufferIo(Buffer in, Buffer out, ElementType precision) {
        if (precision == ElementType.FLOAT32) {
            FloatBuffer fi = (FloatBuffer) in;
            FloatBuffer fo = (FloatBuffer) out;
            return new HostIo((off, n, b) -> b.asFloatBuffer().put(fi.slice(fi.position() + (int) off, n)),
                    (b, off, n) -> fo.slice(fo.position() + (int) off, n).put(b.asFloatBuffer().limit(n)));
        }
        DoubleBuffer di = (DoubleBuffer) in;
        DoubleBuffer dd = (DoubleBuffer) out;
        return new HostIo((off, n, b) -> b.asDoubleBuffer().put(di.slice(di.position() + (int) off, n)),
                (b, off, n) -> dd.slice(dd.position() + (int) off, n).put(b.asDoubleBuffer().limit(n)));
    }

    /** Copies between a Java array and a native-order direct buffer, by element offset and count. */
    private record HostIo(CopyIn in, CopyOut out) {}

    @FunctionalInterface
    private interface CopyIn {
        void copy(long elementOffset, int count, ByteBuffer target);
    }

    @FunctionalInterface
    private interface CopyOut {
        void copy(ByteBuffer source, long elementOffset, int count);
    }

    /** Below this, overlapping transfers with compute gains less than its set-up costs. */
    static final long OVERLAP_MIN_BYTES = 64L << 20;
    /** Chunks an overlapped batch is cut into, so transfers of one overlap compute of another. */
    static final int OVERLAP_CHUNKS = 8;

    private boolean overlaps(long rows, long cols, ElementType precision) {
        if (overlap != null) {
            return overlap;
        }
        return !device.hostUnifiedMemory() && rows * cols * precision.bytes() >= OVERLAP_MIN_BYTES;
    }

    /** Java arrays: overlapped chunks on discrete devices, else the simple staged path. */
    private void runArrays(Pointer src, Pointer dst, HostIo io, long rows, long cols, ElementType precision,
            Runnable poisonOut) {
        if (overlaps(rows, cols, precision)) {
            runGuarded(rows, cols, precision, poisonOut, plan -> runOverlapped(plan, io, rows, cols, precision));
        } else {
            runGuarded(src, dst, rows, cols, precision, poisonOut);
        }
    }

    /**
     * Discrete devices: chunks alternate between two in-order queues, each with its own staging
     * buffers, so the upload and download of one chunk overlap the kernels of the other. Java arrays
     * cannot be pinned across calls, so each chunk goes through a direct buffer; that host copy of
     * chunk k+1 also runs while the device works on chunk k.
     */
    private void runOverlapped(Plan plan, HostIo io, long rows, long cols, ElementType precision) {
        long rowBytes = cols * precision.bytes();
        long target = Math.max(rowBytes, Math.min(chunkBytes, rows * rowBytes / OVERLAP_CHUNKS));
        long chunkRows = Math.max(1, Math.min(rows, target / rowBytes));
        int group = plan.rowGroup();
        if (chunkRows < rows && chunkRows >= group) {
            chunkRows = chunkRows / group * group;
        }
        long bytes = chunkRows * rowBytes;
        if (bytes > Integer.MAX_VALUE) { // one direct buffer per stage
            chunkRows = Math.max(1, Integer.MAX_VALUE / rowBytes / group * group);
            bytes = chunkRows * rowBytes;
        }
        ensureOverlapResources(bytes);
        ClQueue[] queues = {queue, queue2};
        SoftmaxLauncher[] launchers = {launcher, launcher2};
        long[] pendingRow = {-1, -1};
        long[] pendingRows = {0, 0};
        try {
            int k = 0;
            for (long r0 = 0; r0 < rows; r0 += chunkRows, k++) {
                int s = k & 1;
                drain(s, queues, pendingRow, pendingRows, io, cols);
                long n = Math.min(chunkRows, rows - r0);
                long chunk = n * rowBytes;
                io.in().copy(r0 * cols, (int) (n * cols), hostIn[s].clear());
                devIn[s].writeAsync(queues[s], 0, chunk, hostIn[s]);
                if (poison) {
                    fillNaN(devOut[s], chunk, precision, queues[s]);
                }
                launchers[s].enqueue(plan, Features.PLAIN, devIn[s], devOut[s], n, cols, null, 0, false);
                devOut[s].readAsync(queues[s], 0, chunk, hostOut[s]);
                queues[s].flush();
                pendingRow[s] = r0;
                pendingRows[s] = n;
            }
            drain(0, queues, pendingRow, pendingRows, io, cols);
            drain(1, queues, pendingRow, pendingRows, io, cols);
        } finally {
            // On failure, no command may still be using the staging memory when we return.
            for (ClQueue q : queues) {
                try {
                    q.finish();
                } catch (RuntimeException ignored) {
                    // the original failure is the one to report
                }
            }
        }
    }

    private void drain(int s, ClQueue[] queues, long[] pendingRow, long[] pendingRows, HostIo io, long cols) {
        if (pendingRow[s] >= 0) {
            queues[s].finish();
            io.out().copy(hostOut[s].clear(), pendingRow[s] * cols, (int) (pendingRows[s] * cols));
            pendingRow[s] = -1;
        }
    }

    private void ensureOverlapResources(long bytes) {
        if (queue2 == null) {
            queue2 = new ClQueue(context);
            launcher2 = new SoftmaxLauncher(context, queue2, programs, device);
        }
        for (int s = 0; s < 2; s++) {
            if (devIn[s] == null || devIn[s].bytes() < bytes) {
                releaseStage(s);
                hostIn[s] = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
                hostOut[s] = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
                devIn[s] = ClBuffer.allocate(context, CL.CL_MEM_READ_ONLY, bytes);
                devOut[s] = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes);
            }
        }
    }

    private void releaseStage(int s) {
        if (devIn[s] != null) {
            devIn[s].close();
            devIn[s] = null;
        }
        if (devOut[s] != null) {
            devOut[s].close();
            devOut[s] = null;
        }
        hostIn[s] = null;
        hostOut[s] = null;
    }

    /** Runs the computation; after validation, any failure poisons the whole output first. */
    private void runGuarded(Pointer src, Pointer dst, long rows, long cols, ElementType precision, Runnable poisonOut) {
        runGuarded(rows, cols, precision, poisonOut, plan -> run(plan, src, dst, rows, cols, precision));
    }

    private void runGuarded(long rows, long cols, ElementType precision, Runnable poisonOut,
            java.util.function.Consumer<Plan> body) {
        requirePrecision(precision);
        if (rows == 0 || cols == 0) {
            return;
        }
        long rowBytes = Math.multiplyExact(cols, (long) precision.bytes());
        if (rowBytes > chunkBytes) {
            throw new IllegalArgumentException("one row of " + cols + " " + precision + " elements (" + rowBytes
                    + " bytes) exceeds the largest buffer this device allows (" + chunkBytes + " bytes)");
        }
        Plan plan = plan(rows, cols, precision); // validates a forced variant before anything runs
        lock.lock();
        try {
            ensureOpen();
            body.accept(plan);
        } catch (RuntimeException e) {
            poisonOut.run();
            throw e;
        } finally {
            lock.unlock();
        }
    }

    /** Rows per chunk: what fits in one buffer, a multiple of the plan's row group when possible. */
    private long chunkRows(Plan plan, long rows, long rowBytes) {
        long n = Math.min(rows, chunkBytes / rowBytes);
        int group = plan.rowGroup();
        return n < rows && n >= group ? n / group * group : n;
    }

    private void run(Plan plan, Pointer src, Pointer dst, long rows, long cols, ElementType precision) {
        long rowBytes = cols * precision.bytes();
        long chunkRows = chunkRows(plan, rows, rowBytes);
        long bufBytes = chunkRows * rowBytes;
        ClBuffer x = stage(true, bufBytes);
        ClBuffer y = stage(false, bufBytes);
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            long n = Math.min(chunkRows, rows - r0);
            long offset = r0 * rowBytes;
            long bytes = n * rowBytes;
            x.write(queue, 0, bytes, src.withByteOffset(offset));
            if (poison) {
                fillNaN(y, bytes, precision);
            }
            launcher.enqueue(plan, Features.PLAIN, x, y, n, cols, null, 0, false);
            y.read(queue, 0, bytes, dst.withByteOffset(offset));
        }
    }

    private ClBuffer stage(boolean input, long bytes) {
        ClBuffer b = input ? stageIn : stageOut;
        if (b == null || b.bytes() < bytes) {
            if (b != null) {
                b.close();
            }
            b = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes);
            if (input) {
                stageIn = b;
            } else {
                stageOut = b;
            }
        }
        return b;
    }

    /**
     * Zero-copy path for direct buffers on devices that share memory with the host: the kernels
     * read and write the caller's memory through CL_MEM_USE_HOST_PTR, one chunk of rows at a time.
     */
    private void runZeroCopy(Plan plan, Buffer in, Buffer out, long rows, long cols, ElementType precision) {
        long rowBytes = cols * precision.bytes();
        long chunkRows = chunkRows(plan, rows, rowBytes);
        for (long r0 = 0; r0 < rows; r0 += chunkRows) {
            long n = Math.min(chunkRows, rows - r0);
            int from = (int) (r0 * cols);
            int to = (int) ((r0 + n) * cols);
            Buffer inPart = slice(in, from, to);
            Buffer outPart = slice(out, from, to);
            try (ClBuffer x = ClBuffer.wrap(context, CL.CL_MEM_READ_ONLY, inPart, precision.bytes());
                    ClBuffer y = ClBuffer.wrap(context, CL.CL_MEM_READ_WRITE, outPart, precision.bytes())) {
                if (poison) {
                    fillNaN(y, n * rowBytes, precision);
                }
                launcher.enqueue(plan, Features.PLAIN, x, y, n, cols, null, 0, false);
                y.syncToHost(queue, 0, n * rowBytes);
            }
        }
    }

    private static Buffer slice(Buffer b, int from, int to) {
        if (b instanceof FloatBuffer f) {
            return f.slice(f.position() + from, to - from);
        }
        DoubleBuffer d = (DoubleBuffer) b;
        return d.slice(d.position() + from, to - from);
    }

    private void fillNaN(ClBuffer buffer, long bytes, ElementType precision) {
        fillNaN(buffer, bytes, precision, queue);
    }

    private void fillNaN(ClBuffer buffer, long bytes, ElementType precision, ClQueue q) {
        Pointer pattern = precision == ElementType.FLOAT32
                ? Pointer.to(new float[] {Float.NaN}) : Pointer.to(new double[] {Double.NaN});
        Cl.check(CL.clEnqueueFillBuffer(q.handle(), buffer.handle(), pattern, precision.bytes(), 0, bytes, 0,
                null, null), "clEnqueueFillBuffer");
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("SoftmaxEngine is closed");
        }
    }

    /** Releases every OpenCL object of this engine. Idempotent; never throws. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            if (stageIn != null) {
                stageIn.close();
            }
            if (stageOut != null) {
                stageOut.close();
            }
            releaseStage(0);
            releaseStage(1);
            if (launcher2 != null) {
                launcher2.close();
                queue2.close();
            }
            launcher.close();
            programs.close();
            queue.close();
            context.close();
        } finally {
            lock.unlock();
        }
    }

    /** Options for an engine. All are optional. */
    public static final class Builder {
        private String spec;
        private DeviceInfo device;
        private Variant variant;
        private int split;
        private boolean poison;
        private long chunkBytes;
        private boolean tuning = true;
        private Boolean overlap;
        private Boolean sweepAxis;

        private Builder() {}

        /**
         * Which kernel computes softmax along a non-last axis: the row-sweeping kernels (true; the
         * default on CPUs, where whole contiguous rows stream best) or one softmax per vector lane
         * over column strips (false; the default on GPUs, where loads coalesce across work-items).
         *
         * @param sweep true, false, or null for the device's default
         * @return this
         */
        public Builder sweepAxis(Boolean sweep) {
            this.sweepAxis = sweep;
            return this;
        }

        /**
         * Whether calls on Java arrays and NIO buffers overlap transfers with compute (two queues,
         * chunks in flight). By default (null) this is on for devices that do not share memory with
         * the host, for batches of 64 MiB or more; true forces it (even where zero-copy would apply:
         * testing), false turns it off.
         *
         * @param overlap true, false, or null for the default
         * @return this
         */
        public Builder overlap(Boolean overlap) {
            this.overlap = overlap;
            return this;
        }

        /**
         * Whether to plan with the device's tuning cache (written by {@code softmax tune}) when one
         * exists. On by default; off gives the shipped defaults, e.g. for reproducible tests.
         *
         * @param use whether to use tuned plans
         * @return this
         */
        public Builder tuning(boolean use) {
            this.tuning = use;
            return this;
        }

        /**
         * @param spec device spec ({@code gpu}, {@code cpu}, {@code accelerator}, {@code P:D}, or a name part);
         *     null for the default selection
         * @return this
         */
        public Builder device(String spec) {
            this.spec = spec;
            return this;
        }

        /**
         * @param device an already discovered device
         * @return this
         */
        public Builder device(DeviceInfo device) {
            this.device = device;
            return this;
        }

        /**
         * Forces one kernel variant instead of choosing by shape (testing, benchmarking).
         *
         * @param variant the variant, or null to choose by shape
         * @return this
         */
        public Builder variant(Variant variant) {
            this.variant = variant;
            return this;
        }

        /**
         * Forces the number of work-groups per row for the SPLIT variant.
         *
         * @param split groups per row, or 0 to choose
         * @return this
         * @throws IllegalArgumentException if {@code split < 0}
         */
        public Builder split(int split) {
            if (split < 0) {
                throw new IllegalArgumentException("split must be >= 0, got " + split);
            }
            this.split = split;
            return this;
        }

        /**
         * Fills each device output buffer with NaN before the kernel runs, so that an element a kernel
         * fails to write shows up as NaN. For verification; costs one extra pass over the output.
         *
         * @param poison whether to poison
         * @return this
         */
        public Builder poisonOutputs(boolean poison) {
            this.poison = poison;
            return this;
        }

        /**
         * Caps the size of each device buffer; larger batches are processed in chunks of whole rows.
         *
         * @param bytes the cap, or 0 for the device's limit
         * @return this
         * @throws IllegalArgumentException if {@code bytes < 0}
         */
        public Builder maxChunkBytes(long bytes) {
            if (bytes < 0) {
                throw new IllegalArgumentException("maxChunkBytes must be >= 0, got " + bytes);
            }
            this.chunkBytes = bytes;
            return this;
        }

        /**
         * @return the engine
         * @throws OpenClUnavailableException if the machine has no OpenCL platform
         * @throws IllegalArgumentException if the device spec matches no device
         * @throws io.github.softmaxcl.cl.ClException if the device cannot be opened
         */
        public SoftmaxEngine build() {
            return new SoftmaxEngine(this);
        }
    }
}
