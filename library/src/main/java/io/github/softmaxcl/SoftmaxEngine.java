/*
 * The library's entry point: an engine bound to one OpenCL device. Describe an op once
 * (prepare), run it on host or device tensors (forward, backward), keep data on the device
 * (allocate, upload), or use the one-liners for plain arrays. Everything below lives in internal
 * packages; this class only checks arguments and hands over.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.exec.DeviceData;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.EngineCore;
import io.github.softmaxcl.exec.GroupConfig;
import io.github.softmaxcl.exec.GroupCore;
import io.github.softmaxcl.exec.HostData;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.exec.Leaks;
import io.github.softmaxcl.exec.OpSpec;

/**
 * Softmax-family operations on one OpenCL device.
 *
 * <pre>{@code
 * try (SoftmaxEngine engine = SoftmaxEngine.create()) {
 *     float[] probs = engine.softmax(logits, rows, cols);              // one-liner
 *     engine.forward(HostTensor.of(x, rows, cols), HostTensor.of(y, rows, cols),
 *             SoftmaxOp.logSoftmax().withTemperature(0.7));            // any op, any tensor
 * }
 * }</pre>
 *
 * <p>Every kind of host memory (arrays, heap, direct, view and read-only NIO buffers), device
 * tensors, every element type the device supports and every op work together. Batches larger than
 * one device allocation run in chunks; repeated calls of one shape reuse their device buffers.
 *
 * <p>Thread safety: an engine may be shared; one lock serialises each whole call, because OpenCL
 * kernel objects hold their arguments as shared state. For parallel throughput use one engine per
 * thread. An engine that is never closed is released by a Cleaner, with a warning.
 */
public final class SoftmaxEngine implements AutoCloseable {
    static {
        Internals.register(new Internals.Bridge() {
            @Override
            public EngineCore core(SoftmaxEngine e) {
                return e.core;
            }

            @Override
            public SoftmaxEngine open(EngineConfig c) {
                return new SoftmaxEngine(EngineCore.open(c));
            }

            @Override
            public DeviceData data(DeviceTensor t) {
                return t.data();
            }

            @Override
            public HostData data(HostTensor t) {
                return t.data();
            }

            @Override
            public OpSpec spec(SoftmaxOp op) {
                return op.spec();
            }

            @Override
            public SoftmaxGroup openGroup(GroupConfig c) {
                return SoftmaxGroup.open(c);
            }

            @Override
            public GroupCore core(SoftmaxGroup g) {
                return g.core();
            }
        });
    }

    private final EngineCore core;
    private final Leaks.Tracked tracked;

    private SoftmaxEngine(EngineCore core) {
        this.core = core;
        this.tracked = Leaks.track(this, "SoftmaxEngine on " + core.device().describe(), core);
    }

    /**
     * Opens an engine on the default device: SOFTMAX_CL_DEVICE or softmaxcl.device if set, else the
     * first GPU, accelerator or CPU.
     *
     * @return the engine
     * @throws OpenClUnavailableException if the machine has no OpenCL platform (the message says what to install)
     * @throws IllegalArgumentException if the configured device spec matches no device
     * @throws SoftmaxException if the device cannot be opened
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
     * @throws SoftmaxException if the device cannot be opened
     */
    public static SoftmaxEngine create(String spec) {
        return builder().device(spec).build();
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    EngineCore core() {
        return core;
    }

    /** @return the device this engine runs on */
    public DeviceDescription device() {
        DeviceInfo d = core.device();
        return new DeviceDescription(d.id(), d.name(), d.vendor(), d.type().name(), d.driverVersion(),
                d.computeUnits(), d.globalMemBytes(), d.maxAllocBytes(), d.fp64(), d.hostUnifiedMemory());
    }

    /**
     * Validates and plans an op for tensors of one element type and shape.
     *
     * @param op the op
     * @param type the element type of every operand
     * @param shape the shape of every operand
     * @return the planned primitive, to execute many times
     * @throws IllegalArgumentException if an argument is null, the shape or axis is invalid, the mask
     *     does not fit the shape, or one softmax slice exceeds the device's largest allocation
     * @throws UnsupportedOperationException if the device cannot compute in {@code type} (float64
     *     without cl_khr_fp64)
     * @throws IllegalStateException if the engine is closed
     * @throws SoftmaxException if a kernel does not build
     */
    public SoftmaxPrimitive prepare(SoftmaxOp op, ElementType type, long... shape) {
        SoftmaxPrimitive p = plan(op, type, shape);
        core.buildForward(p.problem());
        return p;
    }

    /** Validates and plans without building kernels: what a gradient call needs. */
    private SoftmaxPrimitive plan(SoftmaxOp op, ElementType type, long[] shape) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        return new SoftmaxPrimitive(this, op, core.problem(op.spec(), type, shape));
    }

    /**
     * {@code y = op(x)}: prepares (cached per op, type and shape) and runs.
     *
     * @param x input, not modified unless it is {@code y}
     * @param y output of the same type and shape
     * @param op the op
     * @throws IllegalArgumentException as for {@link #prepare} and {@link SoftmaxPrimitive#forward}
     * @throws UnsupportedOperationException if the device cannot compute in the tensors' type
     * @throws IllegalStateException if the engine or a device tensor is closed
     * @throws SoftmaxException if the device fails (a host output is then all NaN)
     */
    public void forward(Tensor x, Tensor y, SoftmaxOp op) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        prepare(op, x.type(), x.shape()).forward(x, y);
    }

    /**
     * The gradient with respect to the logits: {@code dx} from the forward output {@code y} and {@code dy}.
     *
     * @param y the forward output
     * @param dy the upstream gradient
     * @param dx the result; may be {@code y} or {@code dy}
     * @param op the op of the forward pass, without a mask
     * @throws IllegalArgumentException as for {@link SoftmaxPrimitive#backward}
     * @throws UnsupportedOperationException if the device cannot compute in the tensors' type
     * @throws IllegalStateException if the engine or a device tensor is closed
     * @throws SoftmaxException if the device fails (a host dx is then all NaN)
     */
    public void backward(Tensor y, Tensor dy, Tensor dx, SoftmaxOp op) {
        if (y == null) {
            throw new IllegalArgumentException("y must not be null");
        }
        plan(op, y.type(), y.shape()).backward(y, dy, dx);
    }

    /**
     * @param type element type
     * @param shape shape
     * @return a new, uninitialised device tensor
     * @throws IllegalArgumentException if the shape is invalid or larger than one device allocation
     * @throws UnsupportedOperationException for float64 on a device without cl_khr_fp64
     * @throws IllegalStateException if the engine is closed
     * @throws SoftmaxException if the allocation fails
     */
    public DeviceTensor allocate(ElementType type, long... shape) {
        return new DeviceTensor(this, core.allocate(type, shape));
    }

    /**
     * @param x host data
     * @return a new device tensor holding a copy of it, with its type and shape
     * @throws IllegalArgumentException if {@code x} is null or too large for one device allocation
     * @throws UnsupportedOperationException for float64 on a device without cl_khr_fp64
     * @throws IllegalStateException if the engine is closed
     * @throws SoftmaxException if the allocation or copy fails
     */
    public DeviceTensor upload(HostTensor x) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        DeviceTensor t = allocate(x.type(), x.shape());
        try {
            t.upload(x);
        } catch (RuntimeException e) {
            t.close();
            throw e;
        }
        return t;
    }

    /**
     * Softmax of each row of a row-major {@code rows x cols} matrix.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws SoftmaxException if the device fails
     */
    public float[] softmax(float[] logits, int rows, int cols) {
        return run(logits, rows, cols, SoftmaxOp.softmax());
    }

    /**
     * Float64 softmax of each row.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws SoftmaxException if the device fails
     */
    public double[] softmax(double[] logits, int rows, int cols) {
        return run(logits, rows, cols, SoftmaxOp.softmax());
    }

    /**
     * Log-softmax of each row, computed directly: x - max - log(sum exp(x - max)).
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of log-probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws SoftmaxException if the device fails
     */
    public float[] logSoftmax(float[] logits, int rows, int cols) {
        return run(logits, rows, cols, SoftmaxOp.logSoftmax());
    }

    /**
     * Float64 log-softmax of each row.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of log-probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws SoftmaxException if the device fails
     */
    public double[] logSoftmax(double[] logits, int rows, int cols) {
        return run(logits, rows, cols, SoftmaxOp.logSoftmax());
    }

    /**
     * Softmax of each row into an existing array (which may be {@code logits}: in place).
     *
     * @param logits the input, length {@code rows * cols}
     * @param out the output, same length
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @throws IllegalArgumentException if an array is null, a size is negative or a length does not match
     * @throws SoftmaxException if the device fails (out is then all NaN)
     */
    public void softmax(float[] logits, float[] out, int rows, int cols) {
        forward(HostTensor.of(logits, rows, cols), HostTensor.of(out, rows, cols), SoftmaxOp.softmax());
    }

    /**
     * Float64 softmax of each row into an existing array (which may be {@code logits}: in place).
     *
     * @param logits the input, length {@code rows * cols}
     * @param out the output, same length
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @throws IllegalArgumentException if an array is null, a size is negative or a length does not match
     * @throws UnsupportedOperationException if the device lacks cl_khr_fp64
     * @throws SoftmaxException if the device fails (out is then all NaN)
     */
    public void softmax(double[] logits, double[] out, int rows, int cols) {
        forward(HostTensor.of(logits, rows, cols), HostTensor.of(out, rows, cols), SoftmaxOp.softmax());
    }

    private float[] run(float[] logits, int rows, int cols, SoftmaxOp op) {
        HostTensor x = HostTensor.of(logits, rows, cols);
        float[] out = new float[logits.length];
        forward(x, HostTensor.of(out, rows, cols), op);
        return out;
    }

    private double[] run(double[] logits, int rows, int cols, SoftmaxOp op) {
        HostTensor x = HostTensor.of(logits, rows, cols);
        double[] out = new double[logits.length];
        forward(x, HostTensor.of(out, rows, cols), op);
        return out;
    }

    /** Releases every device tensor, buffer, program and queue of this engine; idempotent. */
    @Override
    public void close() {
        tracked.close();
    }

    @Override
    public String toString() {
        return "SoftmaxEngine[" + core.device().describe() + "]";
    }

    /** Options for a new engine. */
    public static final class Builder {
        private EngineConfig config = EngineConfig.DEFAULT;

        private Builder() {}

        /**
         * @param spec {@code gpu}, {@code cpu}, {@code accelerator}, {@code P:D} or part of a device
         *     name; null for the default device
         * @return this builder
         */
        public Builder device(String spec) {
            config = config.withSpec(spec);
            return this;
        }

        /**
         * @param use whether to plan with this device's tuning cache ({@code ./softmax tune}); default true
         * @return this builder
         */
        public Builder tuning(boolean use) {
            config = config.withTuning(use);
            return this;
        }

        /**
         * @return the engine
         * @throws OpenClUnavailableException if the machine has no OpenCL platform
         * @throws IllegalArgumentException if the device spec matches no device
         * @throws SoftmaxException if the device cannot be opened
         */
        public SoftmaxEngine build() {
            return new SoftmaxEngine(EngineCore.open(config));
        }
    }
}
