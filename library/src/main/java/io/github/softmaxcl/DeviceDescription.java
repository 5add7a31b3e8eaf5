/*
 * What an engine's device is, in plain values, for logs and for choosing what to run where.
 */
package io.github.softmaxcl;

/**
 * An OpenCL device as an engine sees it.
 *
 * @param id "P:D", platform and device index as accepted by device selection
 * @param name CL_DEVICE_NAME
 * @param vendor CL_DEVICE_VENDOR
 * @param type "GPU", "CPU", "ACCELERATOR" or "OTHER"
 * @param driverVersion CL_DRIVER_VERSION
 * @param computeUnits CL_DEVICE_MAX_COMPUTE_UNITS
 * @param globalMemBytes CL_DEVICE_GLOBAL_MEM_SIZE
 * @param maxAllocBytes CL_DEVICE_MAX_MEM_ALLOC_SIZE: the largest device tensor
 * @param fp64 whether float64 is supported (cl_khr_fp64)
 * @param hostUnifiedMemory whether the device shares memory with the host (direct buffers are then zero-copy)
 */
public record DeviceDescription(String id, String name, String vendor, String type, String driverVersion,
        int computeUnits, long globalMemBytes, long maxAllocBytes, boolean fp64, boolean hostUnifiedMemory) {}
