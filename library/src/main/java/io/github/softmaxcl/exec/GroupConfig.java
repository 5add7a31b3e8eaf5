/*
 * Everything that configures a device group: which devices, how each engine is opened (the same
 * internal options as one engine's), fault injection per device for tests, and fixed weights in
 * place of calibration. The public SoftmaxGroup.Builder sets the user-facing part.
 */
package io.github.softmaxcl.exec;

import java.util.function.IntFunction;

/**
 * Device group configuration.
 *
 * @param devices {@code all} or a comma-separated list of device specs
 * @param engines the configuration of every engine (its spec and device are replaced per device)
 * @param faults fault injection for the engine of device {@code i} (in list order), or null for
 *     {@code engines.faults()}
 * @param weights one fixed weight per device instead of calibration, or null to calibrate
 */
public record GroupConfig(String devices, EngineConfig engines, IntFunction<Faults> faults, double[] weights) {
    /** Every device, default engines, calibrated. */
    public static final GroupConfig ALL = new GroupConfig("all", EngineConfig.DEFAULT, null, null);

    /** @param d device list @return a copy */
    public GroupConfig withDevices(String d) {
        return new GroupConfig(d, engines, faults, weights);
    }

    /** @param e engine configuration @return a copy */
    public GroupConfig withEngines(EngineConfig e) {
        return new GroupConfig(devices, e, faults, weights);
    }

    /** @param f faults per device index @return a copy */
    public GroupConfig withFaults(IntFunction<Faults> f) {
        return new GroupConfig(devices, engines, f, weights);
    }

    /** @param w fixed weights, or null to calibrate @return a copy */
    public GroupConfig withWeights(double[] w) {
        return new GroupConfig(devices, engines, faults, w == null ? null : w.clone());
    }

    /**
     * @return whether a test injects faults: such a group is measured afresh, and its (deliberately
     *     distorted) speeds are never remembered
     */
    public boolean injectsFaults() {
        return faults != null || engines.faults() != Faults.NONE;
    }

    /**
     * @param i a device's index in the list
     * @return the configuration of its engine
     */
    public EngineConfig engine(int i) {
        Faults f = faults == null ? null : faults.apply(i);
        return f == null ? engines : engines.withFaults(f);
    }
}
