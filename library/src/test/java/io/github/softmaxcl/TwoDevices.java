/*
 * What the device group tests share: the spec of the machine's first two real devices, and group
 * configurations on them with the shipped kernel defaults. These tests need two devices; on a
 * machine with fewer they fail with the way to get two, never skip (the "two-devices" surefire
 * execution sets POCL_DEVICES="pthread pthread", which gives two PoCL devices on any machine with
 * PoCL).
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.GroupConfig;
import java.util.List;

final class TwoDevices {
    private TwoDevices() {}

    /** @return "P:D,P:D" of the first two devices that are not simulators */
    static String spec() {
        List<DeviceInfo> real;
        try {
            real = Devices.discover().stream().filter(d -> !d.simulator()).toList();
        } catch (OpenClUnavailableException e) {
            return fail("OpenCL device tests cannot run: " + e.getMessage(), e);
        }
        if (real.size() < 2) {
            return fail("device group tests need two OpenCL devices, found " + real + "; run them with"
                    + " POCL_DEVICES=\"pthread pthread\" (the two-devices surefire execution sets it)");
        }
        return real.get(0).id() + "," + real.get(1).id();
    }

    /**
     * @param weights fixed weights, or null to calibrate
     * @return a group configuration on the two devices: shipped defaults, outputs poisoned with NaN
     *     before each kernel so an element no kernel writes shows
     */
    static GroupConfig config(double... weights) {
        return GroupConfig.ALL.withDevices(spec()).withEngines(EngineConfig.DEFAULT.withTuning(false)
                .withPoison(true)).withWeights(weights);
    }
}
