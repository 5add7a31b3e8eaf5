/*
 * The state behind a public DeviceTensor: one device buffer owned by it, its element type and
 * shape, and the engine it belongs to. Releasing it takes the engine's lock, so a buffer can never
 * be released under a call that is using it on another thread.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClQueue;
import java.nio.ByteBuffer;
import java.util.Arrays;
import org.jocl.Pointer;

/** A device-resident tensor's buffer and description. */
public final class DeviceData implements Operand, AutoCloseable {
    private final EngineCore core;
    private final ElementType type;
    private final long[] shape;
    private final long elements;
    private ClBuffer buffer;

    DeviceData(EngineCore core, ElementType type, long[] shape, long elements, ClBuffer buffer) {
        this.core = core;
        this.type = type;
        this.shape = shape;
        this.elements = elements;
        this.buffer = buffer;
    }

    /** @return the engine core that owns the buffer */
    public EngineCore core() {
        return core;
    }

    /** @return the element type */
    public ElementType type() {
        return type;
    }

    /** @return a copy of the shape */
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long elements() {
        return elements;
    }

    /** @return bytes held */
    public long bytes() {
        return elements * type.bytes();
    }

    /**
     * @return the buffer; call under the engine's lock
     * @throws IllegalStateException if the tensor (or its engine) was closed
     */
    public ClBuffer buffer() {
        if (buffer == null) {
            throw new IllegalStateException(this + " is closed");
        }
        return buffer;
    }

    /**
     * Copies host data into this tensor ({@code toDevice}) or this tensor into host data.
     *
     * @param h host data with the same element count
     * @param toDevice direction
     * @throws IllegalStateException if this tensor or its engine is closed
     * @throws io.github.softmaxcl.cl.ClException if the transfer fails
     */
    public void transfer(HostData h, boolean toDevice) {
        core.lock().lock();
        try {
            core.ensureOpen();
            ClBuffer b = buffer();
            if (elements == 0) {
                return;
            }
            ClQueue q = core.lanes(1)[0].queue();
            Pointer p = h.pointer();
            ByteBuffer stage = p == null ? core.pool().host("transfer", bytes()) : null;
            if (toDevice) {
                if (stage != null) {
                    h.copyOut(0, (int) elements, stage);
                }
                b.write(q, 0, bytes(), p != null ? p : Pointer.to(stage));
            } else {
                b.read(q, 0, bytes(), p != null ? p : Pointer.to(stage));
                if (stage != null) {
                    h.copyIn(stage, 0, (int) elements);
                }
            }
        } finally {
            core.lock().unlock();
        }
    }

    /** @return whether the buffer was released */
    public boolean isClosed() {
        core.lock().lock();
        try {
            return buffer == null;
        } finally {
            core.lock().unlock();
        }
    }

    /** Releases the buffer, waiting for any call on the engine that is running; idempotent. */
    @Override
    public void close() {
        core.lock().lock();
        try {
            releaseLocked();
        } finally {
            core.lock().unlock();
        }
    }

    /** Releases the buffer; the caller holds the engine's lock. */
    void releaseLocked() {
        if (buffer != null) {
            buffer.close();
            buffer = null;
            core.forget(this);
        }
    }

    @Override
    public String toString() {
        return "DeviceTensor[" + type.label() + " " + Arrays.toString(shape) + "]";
    }
}
