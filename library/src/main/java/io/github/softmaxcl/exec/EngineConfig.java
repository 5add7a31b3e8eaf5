/*
 * Everything that configures an engine, including the knobs that only tests, benchmarks and the
 * tuner use (forced variant, output poisoning, forced overlap, buffer caps, fault injection). The
 * public SoftmaxEngine.Builder sets the user-facing part; internal code builds the rest here.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.kernel.Variant;

/**
 * Engine configuration.
 *
 * @param spec device spec, or null for the default device
 * @param device a device already discovered (wins over spec), or null
 * @param variant a kernel variant to force, or null to plan by shape
 * @param split parts per row for SPLIT and CHUNKS, or 0 to plan
 * @param poison fill device outputs with NaN before every kernel (verification)
 * @param maxChunkBytes cap on one device buffer, or 0 for the device's limit
 * @param tuning use the device's tuning cache
 * @param overlap force the two-queue overlapped path on or off, or null to decide by device
 * @param sweepAxis force the CPU sweep (true) or GPU strided (false) any-axis kernels, or null
 * @param faults fault injection
 */
public record EngineConfig(String spec, DeviceInfo device, Variant variant, int split, boolean poison,
        long maxChunkBytes, boolean tuning, Boolean overlap, Boolean sweepAxis, Faults faults) {
    /** The default device and behaviour. */
    public static final EngineConfig DEFAULT = new EngineConfig(null, null, null, 0, false, 0, true, null, null,
            Faults.NONE);

    /** @param s device spec @return a copy */
    public EngineConfig withSpec(String s) {
        return new EngineConfig(s, device, variant, split, poison, maxChunkBytes, tuning, overlap, sweepAxis, faults);
    }

    /** @param d device @return a copy */
    public EngineConfig withDevice(DeviceInfo d) {
        return new EngineConfig(spec, d, variant, split, poison, maxChunkBytes, tuning, overlap, sweepAxis, faults);
    }

    /** @param v forced variant @return a copy */
    public EngineConfig withVariant(Variant v) {
        return new EngineConfig(spec, device, v, split, poison, maxChunkBytes, tuning, overlap, sweepAxis, faults);
    }

    /** @param s forced split @return a copy */
    public EngineConfig withSplit(int s) {
        if (s < 0) {
            throw new IllegalArgumentException("split must be >= 0, got " + s);
        }
        return new EngineConfig(spec, device, variant, s, poison, maxChunkBytes, tuning, overlap, sweepAxis, faults);
    }

    /** @param p poison outputs @return a copy */
    public EngineConfig withPoison(boolean p) {
        return new EngineConfig(spec, device, variant, split, p, maxChunkBytes, tuning, overlap, sweepAxis, faults);
    }

    /** @param b buffer cap in bytes, 0 for the device's @return a copy */
    public EngineConfig withMaxChunkBytes(long b) {
        if (b < 0) {
            throw new IllegalArgumentException("maxChunkBytes must be >= 0, got " + b);
        }
        return new EngineConfig(spec, device, variant, split, poison, b, tuning, overlap, sweepAxis, faults);
    }

    /** @param t use tuning @return a copy */
    public EngineConfig withTuning(boolean t) {
        return new EngineConfig(spec, device, variant, split, poison, maxChunkBytes, t, overlap, sweepAxis, faults);
    }

    /** @param o overlap @return a copy */
    public EngineConfig withOverlap(Boolean o) {
        return new EngineConfig(spec, device, variant, split, poison, maxChunkBytes, tuning, o, sweepAxis, faults);
    }

    /** @param s sweep @return a copy */
    public EngineConfig withSweepAxis(Boolean s) {
        return new EngineConfig(spec, device, variant, split, poison, maxChunkBytes, tuning, overlap, s, faults);
    }

    /** @param f faults @return a copy */
    public EngineConfig withFaults(Faults f) {
        return new EngineConfig(spec, device, variant, split, poison, maxChunkBytes, tuning, overlap, sweepAxis,
                f == null ? Faults.NONE : f);
    }
}
