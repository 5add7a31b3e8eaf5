/*
 * Which OpenCL device a Spark task uses. In order: the GPU address the cluster scheduled for the task
 * (TaskContext resources "gpu"), mapped to the OpenCL device of the same index; else the configured
 * device list spark.softmaxcl.devices, spread over partitions (local mode, where Spark schedules no
 * GPUs, or nodes without GPU scheduling); else the library's default device. Pure functions of their
 * arguments, so every rule is testable without a cluster.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.DeviceType;
import io.github.softmaxcl.device.Devices;
import java.util.Arrays;
import java.util.List;

/** The rules mapping a task to a device. */
final class DeviceMapping {
    /** The Spark resource whose addresses name a task's device. */
    static final String RESOURCE = "gpu";
    /** Spark configuration key: device specs, comma-separated, used by partition index modulo their count. */
    static final String DEVICES_CONF = "spark.softmaxcl.devices";

    private DeviceMapping() {}

    /**
     * @param gpuAddresses the task's "gpu" resource addresses (empty when the cluster schedules none)
     * @param configured the value of {@link #DEVICES_CONF}, or null
     * @param partition the task's partition index
     * @param all the devices OpenCL lists on this machine, in discovery order
     * @return the device for the task
     * @throws IllegalArgumentException if an address or configured spec names no device (the message
     *     lists the devices)
     */
    static DeviceInfo select(String[] gpuAddresses, String configured, int partition, List<DeviceInfo> all) {
        if (gpuAddresses != null && gpuAddresses.length > 0) {
            return forAddress(gpuAddresses[0].trim(), all);
        }
        if (configured != null && !configured.isBlank()) {
            String[] specs = Arrays.stream(configured.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                    .toArray(String[]::new);
            if (specs.length == 0) {
                throw new IllegalArgumentException(DEVICES_CONF + " lists no device: '" + configured + "'");
            }
            return Devices.match(all, specs[Math.floorMod(partition, specs.length)]);
        }
        return Devices.configuredSpec().map(s -> Devices.match(all, s)).orElseGet(() -> Devices.defaultDevice(all));
    }

    /**
     * A whole-number address i is the i-th device of the default device's type (GPU on any machine
     * that has one), simulators left out, in discovery order ({@code ./softmax devices}); any other
     * address is a device spec ({@code P:D} or part of a name), for discovery scripts that print those.
     */
    static DeviceInfo forAddress(String address, List<DeviceInfo> all) {
        if (!address.matches("\\d{1,9}")) {
            return Devices.match(all, address);
        }
        DeviceType type = Devices.defaultDevice(all).type();
        List<DeviceInfo> same = all.stream().filter(d -> d.type() == type && !d.simulator()).toList();
        int i = Integer.parseInt(address);
        if (i >= same.size()) {
            throw new IllegalArgumentException("the task was given " + RESOURCE + " address " + address + ", but OpenCL"
                    + " lists " + same.size() + " " + type + " device(s) on this executor: "
                    + same.stream().map(DeviceInfo::describe).toList() + " (address i is the i-th " + type
                    + "; a discovery script may print P:D device specs instead)");
        }
        return same.get(i);
    }
}
