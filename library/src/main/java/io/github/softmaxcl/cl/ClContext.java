/*
 * Owns a cl_context for exactly one device. One device per context keeps buffer placement and
 * program builds unambiguous; multi-device work uses one engine per device. A context knows whether
 * its device is a simulator, because buffers are created differently there (ClBuffer.allocate).
 * Contexts are created and released one at a time in the process (JOCL_CONTEXTS).
 */
package io.github.softmaxcl.cl;

import org.jocl.CL;
import org.jocl.cl_context;
import org.jocl.cl_context_properties;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** An OpenCL context over a single device. */
public final class ClContext extends ClObject {
    /*
     * JOCL 2.0 records every context it creates in one process-wide std::map (for the context's
     * callback) and erases it in clReleaseContext, without a lock: engines opened and closed on
     * several threads at once corrupted the native heap (a crash in that map's erase, or glibc's
     * abort at thread exit). Both calls take this lock; contexts are few and slow to make anyway.
     */
    private static final Object JOCL_CONTEXTS = new Object();

    private final cl_context handle;
    private final cl_device_id device;
    private final boolean simulator;

    /**
     * @param platform the device's platform
     * @param device the device, not a simulator
     * @throws ClException if clCreateContext fails
     */
    public ClContext(cl_platform_id platform, cl_device_id device) {
        this(platform, device, false);
    }

    /**
     * @param platform the device's platform
     * @param device the device
     * @param simulator whether the device is a simulator (DeviceInfo.simulator)
     * @throws ClException if clCreateContext fails
     */
    public ClContext(cl_platform_id platform, cl_device_id device, boolean simulator) {
        super(Kind.CONTEXT);
        this.handle = create(platform, device);
        this.device = device;
        this.simulator = simulator;
    }

    private static cl_context create(cl_platform_id platform, cl_device_id device) {
        cl_context_properties props = new cl_context_properties();
        props.addProperty(CL.CL_CONTEXT_PLATFORM, platform);
        int[] err = new int[1];
        cl_context ctx;
        synchronized (JOCL_CONTEXTS) {
            ctx = CL.clCreateContext(props, 1, new cl_device_id[] {device}, null, null, err);
        }
        Cl.check(err[0], "clCreateContext");
        return ctx;
    }

    /** @return the raw handle, valid until close */
    public cl_context handle() {
        ensureOpen();
        return handle;
    }

    /** @return the device this context was created for */
    public cl_device_id device() {
        return device;
    }

    /** @return whether the device is a simulator */
    public boolean simulator() {
        return simulator;
    }

    @Override
    protected int release() {
        synchronized (JOCL_CONTEXTS) {
            return CL.clReleaseContext(handle);
        }
    }
}
