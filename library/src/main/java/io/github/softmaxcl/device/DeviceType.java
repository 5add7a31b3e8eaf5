/*
 * The OpenCL device types this library distinguishes when choosing a default device.
 */
package io.github.softmaxcl.device;

/** Device category, from CL_DEVICE_TYPE. */
public enum DeviceType {
    /** A GPU. */
    GPU,
    /** A dedicated accelerator (FPGA, DSP, ...). */
    ACCELERATOR,
    /** A CPU (e.g. PoCL's pthread device). */
    CPU,
    /** Anything else (custom devices). */
    OTHER
}
