/*
 * Device buffers and direct host staging memory that the pipeline reuses from call to call, keyed
 * by role ("in0/slot1", "mask", ...). A buffer only grows: the replacement is allocated before the
 * old one is released, so a failed allocation leaves the previous buffer in place and the engine
 * usable. Repeated calls of the same shape therefore allocate nothing. Owned by one EngineCore and
 * used under its lock.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;
import org.jocl.CL;

/** Reused device buffers and host staging memory. */
final class BufferPool implements AutoCloseable {
    private final ClContext context;
    private final Faults faults;
    private final Map<String, ClBuffer> device = new HashMap<>();
    private final Map<String, ByteBuffer> host = new HashMap<>();

    BufferPool(ClContext context, Faults faults) {
        this.context = context;
        this.faults = faults;
    }

    /**
     * @param role the buffer's role
     * @param bytes bytes needed, &gt; 0
     * @param chunk the chunk this is for (fault injection)
     * @return a device buffer of at least {@code bytes}
     * @throws io.github.softmaxcl.cl.ClException if the allocation fails (the previous buffer stays valid)
     */
    ClBuffer device(String role, long bytes, long chunk) {
        ClBuffer old = device.get(role);
        if (old != null && old.bytes() >= bytes) {
            return old;
        }
        faults.before("clCreateBuffer", chunk);
        ClBuffer fresh = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes);
        device.put(role, fresh);
        if (old != null) {
            old.close();
        }
        return fresh;
    }

    /**
     * @param role the staging memory's role
     * @param bytes bytes needed
     * @return direct native-order memory of at least {@code bytes}, cleared
     */
    ByteBuffer host(String role, long bytes) {
        ByteBuffer b = host.get(role);
        if (b == null || b.capacity() < bytes) {
            b = ByteBuffer.allocateDirect(Math.toIntExact(bytes)).order(ByteOrder.nativeOrder());
            host.put(role, b);
        }
        return b.clear();
    }

    @Override
    public void close() {
        device.values().forEach(ClBuffer::close);
        device.clear();
        host.clear();
    }
}
