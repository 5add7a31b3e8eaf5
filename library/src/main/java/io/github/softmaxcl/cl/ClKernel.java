/*
 * Owns one cl_kernel. Kernel objects carry their arguments as mutable state, so a ClKernel must not
 * be shared between threads without a lock; the engine holds one per program and serialises use.
 * A kernel made for a device knows what the compiler allows it there (CL_KERNEL_WORK_GROUP_SIZE and
 * friends, read once), so launches can stay within the kernel's own limits, which may be below the
 * device's.
 */
package io.github.softmaxcl.cl;

import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.Sizeof;
import org.jocl.cl_device_id;
import org.jocl.cl_event;
import org.jocl.cl_kernel;
import org.jocl.cl_mem;

/** A kernel with typed argument setters and an enqueue helper. Not thread-safe. */
public final class ClKernel extends ClObject {
    /**
     * What the compiled kernel allows on its device.
     *
     * @param workGroupSize CL_KERNEL_WORK_GROUP_SIZE: the largest work-group it can be launched with
     * @param compileWorkGroupSize the first dimension of CL_KERNEL_COMPILE_WORK_GROUP_SIZE (its
     *     reqd_work_group_size), or 0 when it has none and any local size up to the limit will do
     * @param localMemBytes CL_KERNEL_LOCAL_MEM_SIZE: local memory one work-group uses
     * @param privateMemBytes CL_KERNEL_PRIVATE_MEM_SIZE: private memory one work-item uses, as the
     *     driver reports it (PoCL and Oclgrind report a constant, GPU drivers the real figure)
     */
    public record Limits(long workGroupSize, long compileWorkGroupSize, long localMemBytes, long privateMemBytes) {
        /** No limit known: a kernel made without a device. */
        public static final Limits NONE = new Limits(Long.MAX_VALUE, 0, 0, 0);

        @Override
        public String toString() {
            return "work-group size <= " + workGroupSize + (compileWorkGroupSize > 0 ? " (compiled for "
                    + compileWorkGroupSize + ")" : "") + ", local memory " + localMemBytes + " B, private memory "
                    + privateMemBytes + " B";
        }
    }

    private final cl_kernel handle;
    private final String name;
    private final Limits limits;

    /**
     * @param program the built program
     * @param name the kernel function's name
     * @throws ClException if the program has no such kernel
     */
    public ClKernel(ClProgram program, String name) {
        this(create(program, name), name, null);
    }

    /**
     * A kernel that reads its limits on {@code device} once, now.
     *
     * @param program the built program
     * @param name the kernel function's name
     * @param device the device the program was built for
     * @throws ClException if the program has no such kernel or a query fails (the kernel is released)
     */
    public ClKernel(ClProgram program, String name, cl_device_id device) {
        this(create(program, name), name, device);
    }

    private ClKernel(cl_kernel handle, String name, cl_device_id device) {
        super(Kind.KERNEL);
        this.handle = handle;
        this.name = name;
        Limits l = Limits.NONE;
        if (device != null) {
            try {
                long[] wg = new long[1];
                long[] compiled = new long[3];
                long[] local = new long[1];
                long[] priv = new long[1];
                info(device, CL.CL_KERNEL_WORK_GROUP_SIZE, Sizeof.size_t, Pointer.to(wg));
                info(device, CL.CL_KERNEL_COMPILE_WORK_GROUP_SIZE, 3L * Sizeof.size_t, Pointer.to(compiled));
                info(device, CL.CL_KERNEL_LOCAL_MEM_SIZE, Sizeof.cl_ulong, Pointer.to(local));
                info(device, CL.CL_KERNEL_PRIVATE_MEM_SIZE, Sizeof.cl_ulong, Pointer.to(priv));
                l = new Limits(wg[0], compiled[0], local[0], priv[0]);
            } catch (RuntimeException e) {
                close(); // this object owns the handle from the start, so a failed query releases it
                throw e;
            }
        }
        this.limits = l;
    }

    private void info(cl_device_id device, int param, long size, Pointer value) {
        Cl.check(CL.clGetKernelWorkGroupInfo(handle, device, param, size, value, null), "clGetKernelWorkGroupInfo",
                name);
    }

    /** @return what the compiler allows this kernel on its device; {@link Limits#NONE} if made without one */
    public Limits limits() {
        return limits;
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
