/*
 * A tensor that lives on an engine's device: upload once, run any number of ops on it (in place or
 * into another device tensor), download once. It owns one device buffer. Closing it waits for a
 * call on its engine that may be using it; a tensor that is never closed is released by a Cleaner
 * with a warning; closing its engine releases it too.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.exec.DeviceData;
import io.github.softmaxcl.exec.Leaks;

/**
 * Device-resident data of one engine.
 *
 * <pre>{@code
 * try (DeviceTensor t = engine.upload(HostTensor.of(logits, rows, cols))) {
 *     engine.forward(t, t, SoftmaxOp.softmax());   // in place, no transfer
 *     t.download(HostTensor.of(probs, rows, cols));
 * }
 * }</pre>
 */
public final class DeviceTensor implements Tensor, AutoCloseable {
    private final SoftmaxEngine engine;
    private final DeviceData data;
    private final Leaks.Tracked tracked;

    DeviceTensor(SoftmaxEngine engine, DeviceData data) {
        this.engine = engine;
        this.data = data;
        this.tracked = Leaks.track(this, data.toString(), data);
    }

    @Override
    public ElementType type() {
        return data.type();
    }

    @Override
    public long[] shape() {
        return data.shape();
    }

    @Override
    public long elements() {
        return data.elements();
    }

    /** @return the engine whose device holds this tensor */
    public SoftmaxEngine engine() {
        return engine;
    }

    /**
     * Copies host data into this tensor.
     *
     * @param src same element type and element count
     * @throws IllegalArgumentException if {@code src} is null or does not match
     * @throws IllegalStateException if this tensor or its engine is closed
     * @throws SoftmaxException if the device fails
     */
    public void upload(HostTensor src) {
        data.transfer(check(src, "src"), true);
    }

    /**
     * Copies this tensor into host memory.
     *
     * @param dst same element type and element count, writable
     * @throws IllegalArgumentException if {@code dst} is null, read-only or does not match
     * @throws IllegalStateException if this tensor or its engine is closed
     * @throws SoftmaxException if the device fails
     */
    public void download(HostTensor dst) {
        if (dst != null && dst.isReadOnly()) {
            throw new IllegalArgumentException("dst is read-only");
        }
        data.transfer(check(dst, "dst"), false);
    }

    private io.github.softmaxcl.exec.HostData check(HostTensor h, String name) {
        if (h == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        if (h.type() != type() || h.elements() != elements()) {
            throw new IllegalArgumentException(name + " is " + h + ", this is " + this);
        }
        return h.data();
    }

    DeviceData data() {
        return data;
    }

    /** Releases the device buffer, after any running call on the engine; idempotent. */
    @Override
    public void close() {
        tracked.close();
    }

    @Override
    public String toString() {
        return data.toString();
    }
}
