/*
 * Thrown when the machine has no usable OpenCL runtime at all: either the ICD loader library
 * (libOpenCL.so.1) is missing, or it is present but no platform (driver) is registered. The
 * message always says exactly what to install, because that is the only useful next step.
 */
package io.github.softmaxcl;

/** No OpenCL platform could be found; the message says what to install. */
public final class OpenClUnavailableException extends SoftmaxException {
    private static final long serialVersionUID = 1L;

    /** What to install, shared by the library, the launcher's error path and the test suite. */
    public static final String INSTALL_HINT =
            "Install an OpenCL runtime: on Debian/Ubuntu `sudo apt-get install ocl-icd-libopencl1 pocl-opencl-icd`"
                    + " (PoCL runs OpenCL on the CPU), or your GPU vendor's OpenCL driver"
                    + " (NVIDIA: the driver's libnvidia-opencl plus /etc/OpenCL/vendors/nvidia.icd).";

    /**
     * @param reason what was missing (no loader library, or no platform registered)
     * @param cause the underlying error, may be null
     */
    public OpenClUnavailableException(String reason, Throwable cause) {
        super("No OpenCL platform found: " + reason + ". " + INSTALL_HINT, cause);
    }
}
