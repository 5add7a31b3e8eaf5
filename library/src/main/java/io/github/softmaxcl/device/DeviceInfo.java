/*
 * Everything the library needs to know about one OpenCL device, read once at discovery: the limits
 * that shape kernel plans (work-group size, local memory, max allocation), the facts users ask for
 * in `devices` (compute units, clock, memory, fp64), and the identity used for tuning caches.
 */
package io.github.softmaxcl.device;

import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/**
 * A discovered OpenCL device.
 *
 * @param platformIndex index of the platform in discovery order
 * @param deviceIndex index of the device within its platform
 * @param platformName CL_PLATFORM_NAME
 * @param name CL_DEVICE_NAME
 * @param vendor CL_DEVICE_VENDOR
 * @param type device category
 * @param computeUnits CL_DEVICE_MAX_COMPUTE_UNITS
 * @param clockMhz CL_DEVICE_MAX_CLOCK_FREQUENCY
 * @param globalMemBytes CL_DEVICE_GLOBAL_MEM_SIZE
 * @param localMemBytes CL_DEVICE_LOCAL_MEM_SIZE
 * @param maxAllocBytes CL_DEVICE_MAX_MEM_ALLOC_SIZE
 * @param maxWorkGroupSize CL_DEVICE_MAX_WORK_GROUP_SIZE
 * @param fp64 whether cl_khr_fp64 is supported
 * @param hostUnifiedMemory CL_DEVICE_HOST_UNIFIED_MEMORY (memory shared with the host)
 * @param simulator a simulator (Oclgrind) or a device that claims every type: used only when named,
 *     never as a default; it plans as a GPU, whose stand-in it is
 * @param deviceVersion CL_DEVICE_VERSION
 * @param openclCVersion CL_DEVICE_OPENCL_C_VERSION
 * @param driverVersion CL_DRIVER_VERSION
 * @param platform the platform handle
 * @param device the device handle
 */
public record DeviceInfo(
        int platformIndex,
        int deviceIndex,
        String platformName,
        String name,
        String vendor,
        DeviceType type,
        int computeUnits,
        int clockMhz,
        long globalMemBytes,
        long localMemBytes,
        long maxAllocBytes,
        long maxWorkGroupSize,
        boolean fp64,
        boolean hostUnifiedMemory,
        boolean simulator,
        String deviceVersion,
        String openclCVersion,
        String driverVersion,
        cl_platform_id platform,
        cl_device_id device) {

    /**
     * The same device seen with a smaller largest work-group: how the planner is asked for a plan
     * that a kernel with a lower limit than its device's can run.
     *
     * @param size the largest work-group, at least 1
     * @return a copy with {@code maxWorkGroupSize} set to {@code size}
     * @throws IllegalArgumentException if {@code size < 1}
     */
    public DeviceInfo withMaxWorkGroupSize(long size) {
        if (size < 1) {
            throw new IllegalArgumentException("work-group size must be >= 1, got " + size);
        }
        return new DeviceInfo(platformIndex, deviceIndex, platformName, name, vendor, type, computeUnits, clockMhz,
                globalMemBytes, localMemBytes, maxAllocBytes, size, fp64, hostUnifiedMemory, simulator, deviceVersion,
                openclCVersion, driverVersion, platform, device);
    }

    /** @return "P:D" indices, the form accepted by device selection */
    public String id() {
        return platformIndex + ":" + deviceIndex;
    }

    /** @return a one-line description for logs */
    public String describe() {
        return id() + " " + name + " (" + type + ", " + platformName + ", " + computeUnits + " CUs, "
                + (globalMemBytes >> 20) + " MiB, driver " + driverVersion + ")";
    }

    @Override
    public String toString() {
        return describe();
    }
}
