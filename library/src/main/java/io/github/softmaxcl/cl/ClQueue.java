/*
 * Owns an in-order command queue with profiling enabled (the benchmark reads kernel times from
 * events; the cost of profiling on an in-order queue is negligible). Uses the OpenCL 1.2 entry
 * point so it works on 1.2-only drivers as well as 2.x/3.x ones.
 */
package io.github.softmaxcl.cl;

import org.jocl.CL;
import org.jocl.cl_command_queue;

/** An in-order, profiling-enabled command queue. */
public final class ClQueue extends ClObject {
    private final cl_command_queue handle;

    /**
     * @param context the context
     * @throws ClException if the queue cannot be created
     */
    @SuppressWarnings("deprecation")
    public ClQueue(ClContext context) {
        this(create(context));
    }

    private ClQueue(cl_command_queue handle) {
        super(Kind.QUEUE);
        this.handle = handle;
    }

    @SuppressWarnings("deprecation")
    private static cl_command_queue create(ClContext context) {
        int[] err = new int[1];
        cl_command_queue q = CL.clCreateCommandQueue(
                context.handle(), context.device(), CL.CL_QUEUE_PROFILING_ENABLE, err);
        Cl.check(err[0], "clCreateCommandQueue");
        return q;
    }

    /** @return the raw handle, valid until close */
    public cl_command_queue handle() {
        ensureOpen();
        return handle;
    }

    /**
     * Blocks until every command in the queue has completed.
     *
     * @throws ClException if clFinish reports an error (often a kernel that failed to run)
     */
    public void finish() {
        Cl.check(CL.clFinish(handle()), "clFinish");
    }

    /**
     * Submits every queued command to the device without waiting.
     *
     * @throws ClException if clFlush fails
     */
    public void flush() {
        Cl.check(CL.clFlush(handle()), "clFlush");
    }

    @Override
    protected int release() {
        return CL.clReleaseCommandQueue(handle);
    }
}
