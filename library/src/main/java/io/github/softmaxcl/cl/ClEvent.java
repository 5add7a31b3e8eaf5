/*
 * Owns a cl_event. Every event JOCL hands out must be released or the driver keeps the command's
 * bookkeeping alive; wrapping it makes that the try-with-resources' job.
 */
package io.github.softmaxcl.cl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;

/** A command's event, used for waiting and for profiling times. */
public final class ClEvent extends ClObject {
    private final cl_event handle;

    ClEvent(cl_event handle) {
        super(Kind.EVENT);
        this.handle = handle;
    }

    /**
     * Blocks until the command has completed.
     *
     * @throws ClException if the wait fails or the command failed
     */
    public void waitFor() {
        Cl.check(CL.clWaitForEvents(1, new cl_event[] {handle()}), "clWaitForEvents");
    }

    /**
     * @return the command's device execution time in nanoseconds (END - START)
     * @throws ClException if profiling information is unavailable
     */
    public long elapsedNanos() {
        waitFor();
        long[] start = new long[1];
        long[] end = new long[1];
        Cl.check(CL.clGetEventProfilingInfo(handle(), CL.CL_PROFILING_COMMAND_START, Sizeof.cl_ulong,
                Pointer.to(start), null), "clGetEventProfilingInfo");
        Cl.check(CL.clGetEventProfilingInfo(handle(), CL.CL_PROFILING_COMMAND_END, Sizeof.cl_ulong,
                Pointer.to(end), null), "clGetEventProfilingInfo");
        return end[0] - start[0];
    }

    /** @return the raw handle, valid until close */
    public cl_event handle() {
        ensureOpen();
        return handle;
    }

    @Override
    protected int release() {
        return CL.clReleaseEvent(handle);
    }
}
