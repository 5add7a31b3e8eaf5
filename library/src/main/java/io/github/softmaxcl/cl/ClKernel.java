/*
 * Owns one cl_kernel. Kernel objects carry their arguments as mutable state, so a ClKernel must not
 * be shared between threads without a lock; the engine holds one per program and serialises use.
 */
package io.github.softmaxcl.cl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/** A kernel with typed argument setters and an enqueue helper. Not thread-safe. */
public final class ClKernel extends ClObject {
    private final cl_kernel handle;
    private final String name;

    /**
     * @param program the built program
     * @param name the kernel function's name
     * @throws ClException if the program has no such kernel
     */
    public ClKernel(ClProgram program, String name) {
        this(create(program, name), name);
    }

    private ClKernel(cl_kernel handle, String name) {
        super(Kind.KERNEL);
        this.handle = handle;
        this.name = name;
    }

    private static cl_kernel create(ClProgram program, String name) {
        int[] err = new int[1];
        cl_kernel k = CL.clCreateKernel(program.handle(), name, err);
        Cl.check(err[0], "clCreateKernel", name);
        return k;
    }

    /** @return the kernel function's name */
    public String name() {
        return name;
    }

    /**
     * @param index argument index
     * @param buffer the buffer to bind
     * @return this
     * @throws ClException if the argument is rejected
     */
    public ClKernel arg(int index, ClBuffer buffer) {
        Cl.check(CL.clSetKernelArg(handle(), index, Sizeof.cl_mem, Pointer.to(buffer.handle())), "clSetKernelArg",
                name + " #" + index);
        return this;
    }

    /**
     * Binds a raw buffer handle (e.g. a sub-range owned elsewhere).
     *
     * @param index argument index
     * @param mem the buffer handle
     * @return this
     * @throws ClException if the argument is rejected
     */
    public ClKernel arg(int index, cl_mem mem) {
        Cl.check(CL.clSetKernelArg(handle(), index, Sizeof.cl_mem, Pointer.to(mem)), "clSetKernelArg",
                name + " #" + index);
        return this;
    }

    /**
     * @param index argument index
     * @param value a 64-bit integer (cl_long / cl_ulong)
     * @return this
     * @throws ClException if the argument is rejected
     */
    public ClKernel arg(int index, long value) {
        Cl.check(CL.clSetKernelArg(handle(), index, Sizeof.cl_long, Pointer.to(new long[] {value})),
                "clSetKernelArg", name + " #" + index);
        return this;
    }

    /**
     * @param index argument index
     * @param value a 32-bit integer (cl_int / cl_uint)
     * @return this
     * @throws ClException if the argument is rejected
     */
    public ClKernel argInt(int index, int value) {
        Cl.check(CL.clSetKernelArg(handle(), index, Sizeof.cl_int, Pointer.to(new int[] {value})),
                "clSetKernelArg", name + " #" + index);
        return this;
    }

    /**
     * @param index argument index
     * @param value a float (cl_float)
     * @return this
     * @throws ClException if the argument is rejected
     */
    public ClKernel argFloat(int index, float value) {
        Cl.check(CL.clSetKernelArg(handle(), index, Sizeof.cl_float, Pointer.to(new float[] {value})),
                "clSetKernelArg", name + " #" + index);
        return this;
    }

    /**
     * @param index argument index
     * @param value a double (cl_double)
     * @return this
     * @throws ClException if the argument is rejected
     */
    public ClKernel argDouble(int index, double value) {
        Cl.check(CL.clSetKernelArg(handle(), index, Sizeof.cl_double, Pointer.to(new double[] {value})),
                "clSetKernelArg", name + " #" + index);
        return this;
    }

    /**
     * Enqueues a 1-D range.
     *
     * @param queue the queue
     * @param global global size (a multiple of local)
     * @param local work-group size
     * @param profile whether to return an event for timing; if false returns null
     * @return the event to be closed by the caller, or null when {@code profile} is false
     * @throws ClException if the launch is rejected
     */
    public ClEvent enqueue(ClQueue queue, long global, long local, boolean profile) {
        cl_event ev = profile ? new cl_event() : null;
        Cl.check(CL.clEnqueueNDRangeKernel(queue.handle(), handle(), 1, null, new long[] {global},
                new long[] {local}, 0, null, ev), "clEnqueueNDRangeKernel",
                name + " global=" + global + " local=" + local);
        return profile ? new ClEvent(ev) : null;
    }

    /**
     * @param device the device
     * @return CL_KERNEL_WORK_GROUP_SIZE: the largest work-group this kernel can run with
     * @throws ClException if the query fails
     */
    public long maxWorkGroupSize(org.jocl.cl_device_id device) {
        long[] v = new long[1];
        Cl.check(CL.clGetKernelWorkGroupInfo(handle(), device, CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t,
                Pointer.to(v), null), "clGetKernelWorkGroupInfo", name);
        return v[0];
    }

    /** @return the raw handle, valid until close */
    public cl_kernel handle() {
        ensureOpen();
        return handle;
    }

    @Override
    protected int release() {
        return CL.clReleaseKernel(handle);
    }
}
