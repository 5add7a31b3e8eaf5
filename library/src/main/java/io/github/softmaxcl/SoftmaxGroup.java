/*
 * Several OpenCL devices used as one: each call's rows are split over the devices in proportion to
 * their measured speed, every device computes its part at the same time, and the caller gets one
 * result. The group opens one engine per device and owns them; this class only checks arguments
 * and hands over to the internal GroupCore, as SoftmaxEngine does to its core.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.exec.Calibration;
import io.github.softmaxcl.exec.GroupConfig;
import io.github.softmaxcl.exec.GroupCore;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.exec.Leaks;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Softmax-family operations on host memory, split over several OpenCL devices.
 *
 * <pre>{@code
 * try (SoftmaxGroup group = SoftmaxGroup.create("all")) {         // or "0:0,0:1", "gpu,cpu"
 *     float[] probs = group.softmax(logits, rows, cols);
 *     group.forward(HostTensor.of(x, rows, cols), HostTensor.of(y, rows, cols), SoftmaxOp.logSoftmax());
 * }
 * }</pre>
 *
 * <p>Rows (or, along another axis, outer slices) are divided in proportion to each device's speed,
 * so the devices finish together: a call takes about total / (sum of the speeds). The speeds are
 * measured once per set of devices, with all devices running at once, and kept in memory for the
 * JVM and in the tuning cache directory ({@code ./softmax tune}'s, file {@code group-HASH.properties};
 * {@link Builder#tuning(boolean) tuning(false)} neither reads nor writes it). {@link Builder#weights}
 * fixes the split instead.
 *
 * <p>Each row's result is bit-identical to the result its device gives when computing the whole
 * call alone: parts are whole blocks of the kernels' row group. Which device computes which row
 * depends on the speeds (use fixed weights for a fixed assignment); devices of different kinds may
 * differ in the last bits, within the documented tolerances.
 *
 * <p>Small calls (under 64 Ki elements per device) use fewer devices, a one-row call the fastest.
 * float64 calls skip devices without cl_khr_fp64. Only host tensors: device tensors belong to one
 * engine.
 *
 * <p>Failures: if one device fails, the call waits for the others, fills the whole output with NaN
 * and throws a {@link SoftmaxException} naming that device; there is never a partial result, and
 * the group serves the next call. Thread safety: a group may be shared; each device's engine
 * serialises its own part of concurrent calls.
 */
public final class SoftmaxGroup implements AutoCloseable {
    private final GroupCore core;
    private final GroupConfig config;
    private final Leaks.Tracked tracked;

    private SoftmaxGroup(GroupCore core, GroupConfig config) {
        this.core = core;
        this.config = config;
        this.tracked = Leaks.track(this, "SoftmaxGroup on " + ids(core), core);
    }

    /** Opens a group: engines, then speeds (fixed, remembered, or measured). */
    static SoftmaxGroup open(GroupConfig c) {
        List<DeviceInfo> devices = Devices.selectAll(c.devices());
        double[] w = c.weights();
        if (w != null && w.length != devices.size()) {
            throw new IllegalArgumentException(w.length + " weights for " + devices.size() + " devices ("
                    + devices.stream().map(DeviceInfo::id).toList() + "): give one per device");
        }
        List<SoftmaxEngine> engines = new ArrayList<>();
        GroupCore core = null;
        try {
            for (int i = 0; i < devices.size(); i++) {
                engines.add(Internals.open(c.engine(i).withDevice(devices.get(i))));
            }
            double[] ones = new double[devices.size()];
            Arrays.fill(ones, 1);
            core = new GroupCore(engines, w != null ? w : ones);
            if (w == null && devices.size() > 1) {
                core.setSpeeds(c.injectsFaults() ? Calibration.measure(core)
                        : Calibration.speeds(core, c.engines().tuning()));
            }
            return new SoftmaxGroup(core, c);
        } catch (RuntimeException e) {
            if (core != null) {
                core.close();
            } else {
                engines.forEach(SoftmaxEngine::close);
            }
            throw e;
        }
    }

    /**
     * Opens a group of every OpenCL device but simulators.
     *
     * @return the group
     * @throws OpenClUnavailableException if the machine has no OpenCL platform
     * @throws SoftmaxException if a device cannot be opened or fails while measured
     */
    public static SoftmaxGroup create() {
        return builder().build();
    }

    /**
     * Opens a group of the listed devices.
     *
     * @param devices {@code all}, or device specs ({@code gpu}, {@code cpu}, {@code accelerator},
     *     {@code P:D}, part of a name) separated by commas, each device once
     * @return the group
     * @throws IllegalArgumentException if the list is empty, has an empty item, combines {@code all}
     *     with others, names a device twice, or an item matches no device (the message says which)
     * @throws OpenClUnavailableException if the machine has no OpenCL platform
     * @throws SoftmaxException if a device cannot be opened or fails while measured
     */
    public static SoftmaxGroup create(String devices) {
        return builder().devices(devices).build();
    }

    /** @return a builder */
    public static Builder builder() {
        return new Builder();
    }

    GroupCore core() {
        return core;
    }

    /** @return the devices, in list order */
    public List<DeviceDescription> devices() {
        return core.engines().stream().map(SoftmaxEngine::device).toList();
    }

    /** @return the fraction of a large call's rows each device takes, in list order (they sum to 1) */
    public double[] shares() {
        double[] s = core.speeds();
        double sum = Arrays.stream(s).sum();
        return Arrays.stream(s).map(v -> v / sum).toArray();
    }

    /**
     * Measures the devices' speeds again (all running at once) and splits calls by them from now on,
     * also in place of fixed weights; the result replaces the remembered one (and the cache file,
     * unless tuning is off). Primitives prepared before keep their split.
     *
     * @return the new {@link #shares()}
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device if one fails while measured
     */
    public double[] recalibrate() {
        double[] s = Calibration.measure(core);
        core.setSpeeds(s);
        if (!config.injectsFaults()) {
            Calibration.remember(core.devices(), s, config.engines().tuning());
        }
        return shares();
    }

    /**
     * Validates an op for one element type and shape, splits it over the devices and plans and
     * builds each device's part.
     *
     * @param op the op
     * @param type the element type of every operand
     * @param shape the shape of every operand
     * @return the planned primitive, to execute many times
     * @throws IllegalArgumentException if an argument is null, the shape or axis is invalid, the mask
     *     does not fit the shape, or one softmax slice exceeds a device's largest allocation
     * @throws UnsupportedOperationException if no device of the group can compute in {@code type}
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device if a kernel does not build
     */
    public GroupPrimitive prepare(SoftmaxOp op, ElementType type, long... shape) {
        return plan(op, type, shape, true);
    }

    private GroupPrimitive plan(SoftmaxOp op, ElementType type, long[] shape, boolean build) {
        if (op == null) {
            throw new IllegalArgumentException("op must not be null");
        }
        if (type == null) {
            throw new IllegalArgumentException("element type must not be null");
        }
        return new GroupPrimitive(op, core.plan(op.spec(), type, shape, build), core);
    }

    /**
     * {@code y = op(x)} over the group.
     *
     * @param x input, not modified unless it is {@code y}
     * @param y output of the same type and shape
     * @param op the op
     * @throws IllegalArgumentException as for {@link #prepare} and {@link GroupPrimitive#forward}
     * @throws UnsupportedOperationException if no device can compute in the tensors' type
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device if one fails (the output is then all NaN)
     */
    public void forward(HostTensor x, HostTensor y, SoftmaxOp op) {
        if (x == null) {
            throw new IllegalArgumentException("x must not be null");
        }
        prepare(op, x.type(), x.shape()).forward(x, y);
    }

    /**
     * The gradient with respect to the logits, over the group.
     *
     * @param y the forward output
     * @param dy the upstream gradient
     * @param dx the result; may be {@code y} or {@code dy}
     * @param op the op of the forward pass, without a mask
     * @throws IllegalArgumentException as for {@link GroupPrimitive#backward}
     * @throws UnsupportedOperationException if no device can compute in the tensors' type
     * @throws IllegalStateException if the group is closed
     * @throws SoftmaxException naming the device if one fails (dx is then all NaN)
     */
    public void backward(HostTensor y, HostTensor dy, HostTensor dx, SoftmaxOp op) {
        if (y == null) {
            throw new IllegalArgumentException("y must not be null");
        }
        plan(op, y.type(), y.shape(), false).backward(y, dy, dx);
    }

    /**
     * Softmax of each row of a row-major {@code rows x cols} matrix.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws SoftmaxException naming the device if one fails
     */
    public float[] softmax(float[] logits, int rows, int cols) {
        float[] out = new float[checked(logits).length];
        forward(HostTensor.of(logits, rows, cols), HostTensor.of(out, rows, cols), SoftmaxOp.softmax());
        return out;
    }

    /**
     * Log-softmax of each row.
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of log-probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws SoftmaxException naming the device if one fails
     */
    public float[] logSoftmax(float[] logits, int rows, int cols) {
        float[] out = new float[checked(logits).length];
        forward(HostTensor.of(logits, rows, cols), HostTensor.of(out, rows, cols), SoftmaxOp.logSoftmax());
        return out;
    }

    /**
     * Float64 softmax of each row (on the devices that have cl_khr_fp64).
     *
     * @param logits the input, length {@code rows * cols}; not modified
     * @param rows rows, &gt;= 0
     * @param cols row length, &gt;= 0
     * @return a new array of probabilities
     * @throws IllegalArgumentException if {@code logits} is null, a size is negative or the length does not match
     * @throws UnsupportedOperationException if no device has cl_khr_fp64
     * @throws SoftmaxException naming the device if one fails
     */
    public double[] softmax(double[] logits, int rows, int cols) {
        double[] out = new double[checked(logits).length];
        forward(HostTensor.of(logits, rows, cols), HostTensor.of(out, rows, cols), SoftmaxOp.softmax());
        return out;
    }

    private static <T> T checked(T array) {
        if (array == null) {
            throw new IllegalArgumentException("logits must not be null");
        }
        return array;
    }

    /** Closes every device's engine and stops the group's threads; idempotent. */
    @Override
    public void close() {
        tracked.close();
    }

    private static String ids(GroupCore core) {
        return core.devices().stream().map(DeviceInfo::id).toList().toString();
    }

    @Override
    public String toString() {
        return "SoftmaxGroup" + core.devices().stream().map(DeviceInfo::describe).toList();
    }

    /** Options for a new group. */
    public static final class Builder {
        private GroupConfig config = GroupConfig.ALL;

        private Builder() {}

        /**
         * @param list {@code all} (the default: every device but simulators) or device specs separated
         *     by commas, e.g. {@code 0:0,0:1}
         * @return this builder
         */
        public Builder devices(String list) {
            config = config.withDevices(list);
            return this;
        }

        /**
         * @param use whether the engines plan with their devices' tuning caches and the group keeps its
         *     calibration in the cache directory; default true
         * @return this builder
         */
        public Builder tuning(boolean use) {
            config = config.withEngines(config.engines().withTuning(use));
            return this;
        }

        /**
         * Fixes the split instead of measuring: device {@code i} takes {@code weights[i] / sum} of the
         * rows. The same weights give the same assignment of rows to devices on every run.
         *
         * @param weights one finite weight &gt; 0 per device, in list order
         * @return this builder
         * @throws IllegalArgumentException if a weight is not finite and positive (the count is
         *     checked against the devices by {@link #build})
         */
        public Builder weights(double... weights) {
            if (weights == null || weights.length == 0) {
                throw new IllegalArgumentException("weights must name one weight per device, got "
                        + (weights == null ? "null" : "none"));
            }
            for (double w : weights) {
                if (!(w > 0) || Double.isInfinite(w)) {
                    throw new IllegalArgumentException("weights must be finite and > 0, got "
                            + Arrays.toString(weights));
                }
            }
            config = config.withWeights(weights);
            return this;
        }

        /**
         * @return the group, its engines open and its speeds known
         * @throws IllegalArgumentException if the device list is bad (see {@link SoftmaxGroup#create(String)})
         *     or the number of weights does not match the devices
         * @throws OpenClUnavailableException if the machine has no OpenCL platform
         * @throws SoftmaxException if a device cannot be opened or fails while measured
         */
        public SoftmaxGroup build() {
            return open(config);
        }
    }
}
