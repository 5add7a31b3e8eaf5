/*
 * Owns a device buffer. Transfers are blocking and go through JOCL Pointers, which accept Java
 * arrays (pinned for the call) and direct NIO buffers alike; callers never see a raw cl_mem.
 * A buffer may wrap host memory (CL_MEM_USE_HOST_PTR) when the device shares memory with the
 * host; then the Java buffer that backs it must stay reachable, so this object keeps it.
 */
package io.github.softmaxcl.cl;

import java.nio.Buffer;
import org.jocl.CL;
import org.jocl.Pointer;
import org.jocl.cl_mem;

/** A device memory buffer of a fixed size in bytes. */
public final class ClBuffer extends ClObject {
    private final cl_mem handle;
    private final long bytes;
    @SuppressWarnings("unused") // keeps the host memory behind CL_MEM_USE_HOST_PTR alive
    private final Buffer hostMemory;

    private ClBuffer(cl_mem handle, long bytes, Buffer hostMemory) {
        super(Kind.BUFFER);
        this.handle = handle;
        this.bytes = bytes;
        this.hostMemory = hostMemory;
    }

    /**
     * Allocates device memory. On a simulator the buffer starts with every bit set (NaN in every
     * element type), copied in whole as it is created: Oclgrind's uninitialised-value checker keeps a
     * released buffer's record of defined bytes for the next buffer that takes its place, so a new,
     * larger buffer would count its bytes past the old size as never written, and its writes there
     * would be lost to the checker. A kernel that reads what it never wrote then reads NaN, which the
     * reference comparison catches as it catches poisoned outputs.
     *
     * @param context the context
     * @param flags CL_MEM_* flags (without host-pointer flags)
     * @param bytes the size in bytes, &gt; 0
     * @return the buffer
     * @throws IllegalArgumentException if {@code bytes <= 0}
     * @throws ClException if allocation fails
     */
    public static ClBuffer allocate(ClContext context, long flags, long bytes) {
        if (bytes <= 0) {
            throw new IllegalArgumentException("buffer size must be > 0 bytes, got " + bytes);
        }
        int[] err = new int[1];
        cl_mem m;
        if (context.simulator() && bytes <= Integer.MAX_VALUE - 8) {
            byte[] nan = new byte[(int) bytes];
            java.util.Arrays.fill(nan, (byte) 0xFF);
            m = CL.clCreateBuffer(context.handle(), flags | CL.CL_MEM_COPY_HOST_PTR, bytes, Pointer.to(nan), err);
        } else {
            m = CL.clCreateBuffer(context.handle(), flags, bytes, null, err);
        }
        Cl.check(err[0], "clCreateBuffer", bytes + " bytes");
        return new ClBuffer(m, bytes, null);
    }

    /**
     * Wraps a direct NIO buffer as device memory without copying (CL_MEM_USE_HOST_PTR), for devices
     * that share memory with the host. The buffer's contents from position 0 to capacity are used.
     *
     * @param context the context
     * @param flags CL_MEM_READ_ONLY / WRITE_ONLY / READ_WRITE
     * @param host a direct buffer; kept reachable by the returned object
     * @return the buffer
     * @throws IllegalArgumentException if {@code host} is not direct or is empty
     * @throws ClException if the driver refuses the host pointer
     */
    public static ClBuffer wrap(ClContext context, long flags, Buffer host, int elementBytes) {
        if (!host.isDirect() || host.capacity() == 0) {
            throw new IllegalArgumentException("zero-copy needs a non-empty direct buffer, got " + host);
        }
        long bytes = (long) host.capacity() * elementBytes;
        int[] err = new int[1];
        cl_mem m = CL.clCreateBuffer(context.handle(), flags | CL.CL_MEM_USE_HOST_PTR, bytes, Pointer.to(host), err);
        Cl.check(err[0], "clCreateBuffer", "CL_MEM_USE_HOST_PTR " + bytes + " bytes");
        return new ClBuffer(m, bytes, host);
    }

    /** @return the size in bytes */
    public long bytes() {
        return bytes;
    }

    private void checkRange(long offset, long count) {
        if (offset < 0 || count < 0 || offset + count > bytes) {
            throw new IllegalArgumentException(
                    "range [" + offset + ", " + (offset + count) + ") outside buffer of " + bytes + " bytes");
        }
    }

    /**
     * Copies host memory into the buffer and waits for completion.
     *
     * @param queue the queue
     * @param offset byte offset in this buffer
     * @param count number of bytes
     * @param source host memory (a Pointer to an array or direct buffer)
     * @throws IllegalArgumentException if the range is outside the buffer
     * @throws ClException if the transfer fails
     */
    public void write(ClQueue queue, long offset, long count, Pointer source) {
        checkRange(offset, count);
        Cl.check(CL.clEnqueueWriteBuffer(queue.handle(), handle(), CL.CL_TRUE, offset, count, source, 0, null, null),
                "clEnqueueWriteBuffer", count + " bytes at " + offset);
    }

    /**
     * Fills the first {@code count} bytes with a repeated pattern: clEnqueueFillBuffer, or, with
     * {@code asOneWrite}, one blocking clEnqueueWriteBuffer of the whole range from offset 0. The
     * write is for simulators: Oclgrind's uninitialised-value checker (21.10 and later) re-sizes a
     * buffer's record of defined bytes to each host store it sees, ignoring the store's offset, and it
     * runs a fill as one store per pattern, so after a fill only the first element counts as defined
     * and every value a kernel then writes past it and reads back is reported as uninitialised.
     *
     * @param queue the queue
     * @param count bytes to fill, a multiple of the pattern's length
     * @param pattern the pattern (1, 2, 4, 8, ... bytes)
     * @param asOneWrite write the range in one transfer instead of filling it
     * @throws IllegalArgumentException if the range is outside the buffer or not whole patterns
     * @throws ClException if the command fails
     */
    public void fill(ClQueue queue, long count, byte[] pattern, boolean asOneWrite) {
        checkRange(0, count);
        if (pattern.length == 0 || count % pattern.length != 0 || (asOneWrite && count > Integer.MAX_VALUE - 8)) {
            throw new IllegalArgumentException(count + " bytes are not whole patterns of " + pattern.length
                    + " bytes" + (asOneWrite ? " that fit one array" : ""));
        }
        if (count == 0) {
            return;
        }
        if (!asOneWrite) {
            Cl.check(CL.clEnqueueFillBuffer(queue.handle(), handle(), Pointer.to(pattern), pattern.length, 0, count,
                    0, null, null), "clEnqueueFillBuffer", count + " bytes");
            return;
        }
        byte[] whole = new byte[(int) count];
        System.arraycopy(pattern, 0, whole, 0, pattern.length);
        for (int done = pattern.length; done < whole.length; done *= 2) {
            System.arraycopy(whole, 0, whole, done, Math.min(done, whole.length - done));
        }
        write(queue, 0, count, Pointer.to(whole));
    }

    /**
     * Enqueues a copy from a direct buffer into this buffer and returns at once; the host memory must
     * stay untouched until the queue has finished the command.
     *
     * @param queue the queue
     * @param offset byte offset in this buffer
     * @param count number of bytes
     * @param source a direct buffer (JOCL refuses heap memory for non-blocking transfers)
     * @throws IllegalArgumentException if the range is outside the buffer or the source is not direct
     * @throws ClException if the transfer cannot be enqueued
     */
    public void writeAsync(ClQueue queue, long offset, long count, java.nio.ByteBuffer source) {
        checkRange(offset, count);
        if (!source.isDirect()) {
            throw new IllegalArgumentException("non-blocking transfers need a direct buffer");
        }
        Cl.check(CL.clEnqueueWriteBuffer(queue.handle(), handle(), CL.CL_FALSE, offset, count, Pointer.to(source), 0,
                null, null), "clEnqueueWriteBuffer", count + " bytes at " + offset);
    }

    /**
     * Enqueues a copy from this buffer into a direct buffer and returns at once; read the host memory
     * only after the queue has finished the command.
     *
     * @param queue the queue
     * @param offset byte offset in this buffer
     * @param count number of bytes
     * @param target a direct buffer
     * @throws IllegalArgumentException if the range is outside the buffer or the target is not direct
     * @throws ClException if the transfer cannot be enqueued
     */
    public void readAsync(ClQueue queue, long offset, long count, java.nio.ByteBuffer target) {
        checkRange(offset, count);
        if (!target.isDirect()) {
            throw new IllegalArgumentException("non-blocking transfers need a direct buffer");
        }
        Cl.check(CL.clEnqueueReadBuffer(queue.handle(), handle(), CL.CL_FALSE, offset, count, Pointer.to(target), 0,
                null, null), "clEnqueueReadBuffer", count + " bytes at " + offset);
    }

    /**
     * Copies the buffer into host memory and waits for completion.
     *
     * @param queue the queue
     * @param offset byte offset in this buffer
     * @param count number of bytes
     * @param target host memory (a Pointer to an array or direct buffer)
     * @throws IllegalArgumentException if the range is outside the buffer
     * @throws ClException if the transfer fails
     */
    public void read(ClQueue queue, long offset, long count, Pointer target) {
        checkRange(offset, count);
        Cl.check(CL.clEnqueueReadBuffer(queue.handle(), handle(), CL.CL_TRUE, offset, count, target, 0, null, null),
                "clEnqueueReadBuffer", count + " bytes at " + offset);
    }

    /**
     * Makes the device's writes visible in the host memory behind a CL_MEM_USE_HOST_PTR buffer, as the
     * specification requires: a blocking map of the range followed by an unmap. On devices that
     * share memory with the host this moves no data.
     *
     * @param queue the queue
     * @param offset byte offset
     * @param count number of bytes
     * @throws ClException if mapping fails
     */
    public void syncToHost(ClQueue queue, long offset, long count) {
        checkRange(offset, count);
        int[] err = new int[1];
        java.nio.ByteBuffer mapped = CL.clEnqueueMapBuffer(queue.handle(), handle(), CL.CL_TRUE, CL.CL_MAP_READ,
                offset, count, 0, null, null, err);
        Cl.check(err[0], "clEnqueueMapBuffer", count + " bytes at " + offset);
        Cl.check(CL.clEnqueueUnmapMemObject(queue.handle(), handle(), mapped, 0, null, null),
                "clEnqueueUnmapMemObject");
    }

    /** @return the raw handle, valid until close */
    public cl_mem handle() {
        ensureOpen();
        return handle;
    }

    @Override
    protected int release() {
        return CL.clReleaseMemObject(handle);
    }
}
