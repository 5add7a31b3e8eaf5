/*
 * Owns a program built from source for one device. A failed build throws with the compiler's log;
 * the handle is released before throwing so a failed build leaks nothing.
 */
package io.github.softmaxcl.cl;

import java.nio.ByteBuffer;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_device_id;
import org.jocl.cl_program;

/** A program compiled for one device. */
public final class ClProgram extends ClObject {
    private final cl_program handle;

    private ClProgram(cl_program handle) {
        super(Kind.PROGRAM);
        this.handle = handle;
    }

    /**
     * Compiles {@code source} for the context's device.
     *
     * @param context the context
     * @param name the source file name, for error messages
     * @param source the OpenCL C source
     * @param options build options (e.g. {@code -DWG=128})
     * @return the built program
     * @throws ClBuildException if compilation fails, with the build log
     * @throws ClException if the program object cannot be created
     */
    public static ClProgram build(ClContext context, String name, String source, String options) {
        int[] err = new int[1];
        cl_program p = CL.clCreateProgramWithSource(context.handle(), 1, new String[] {source}, null, err);
        Cl.check(err[0], "clCreateProgramWithSource", name);
        cl_device_id device = context.device();
        int status = CL.clBuildProgram(p, 1, new cl_device_id[] {device}, options, null, null);
        if (status != CL.CL_SUCCESS) {
            String log;
            try {
                log = buildLog(p, device);
            } catch (RuntimeException e) {
                log = "(build log unavailable: " + e.getMessage() + ")";
            }
            CL.clReleaseProgram(p);
            throw new ClBuildException(status, name, options, log);
        }
        return new ClProgram(p);
    }

    private static String buildLog(cl_program p, cl_device_id device) {
        long[] size = new long[1];
        Cl.check(CL.clGetProgramBuildInfo(p, device, CL.CL_PROGRAM_BUILD_LOG, 0, null, size), "clGetProgramBuildInfo");
        ByteBuffer b = ByteBuffer.allocateDirect((int) Math.max(1, size[0]));
        Cl.check(CL.clGetProgramBuildInfo(p, device, CL.CL_PROGRAM_BUILD_LOG, size[0], Pointer.to(b), null),
                "clGetProgramBuildInfo");
        return Cl.cString(b);
    }

    /** @return the raw handle, valid until close */
    public cl_program handle() {
        ensureOpen();
        return handle;
    }

    @Override
    protected int release() {
        return CL.clReleaseProgram(handle);
    }
}
