/*
 * Base of the classes that own one OpenCL handle each. It gives them the three things every owner
 * needs and JOCL does not provide: an idempotent close() that never throws (a failed release is
 * logged, because throwing from close() hides the original error in try-with-resources), a check
 * against use after close, and a live count per kind so tests can prove that nothing leaks.
 */
package io.github.softmaxcl.cl;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** An owned OpenCL handle: released exactly once by {@link #close()}. */
public abstract class ClObject implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ClObject.class);

    /** The kinds of handle this library owns, for leak accounting. */
    public enum Kind { CONTEXT, QUEUE, PROGRAM, KERNEL, BUFFER, EVENT }

    private static final Map<Kind, AtomicLong> LIVE = new EnumMap<>(Kind.class);

    static {
        for (Kind k : Kind.values()) {
            LIVE.put(k, new AtomicLong());
        }
    }

    private final Kind kind;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** Called by subclasses only after the handle was created successfully. */
    ClObject(Kind kind) {
        this.kind = kind;
        LIVE.get(kind).incrementAndGet();
    }

    /**
     * @param kind a handle kind
     * @return how many handles of that kind are currently open in this JVM
     */
    public static long liveCount(Kind kind) {
        return LIVE.get(kind).get();
    }

    /** @return the number of open handles of every kind together */
    public static long liveCount() {
        long n = 0;
        for (AtomicLong v : LIVE.values()) {
            n += v.get();
        }
        return n;
    }

    /** @return whether {@link #close()} has been called */
    public final boolean isClosed() {
        return closed.get();
    }

    /**
     * @throws IllegalStateException if this object was already closed
     */
    protected final void ensureOpen() {
        if (closed.get()) {
            throw new IllegalStateException(kind + " used after close()");
        }
    }

    /** Releases the handle; the raw release call may throw, close() deals with that. */
    protected abstract int release();

    /** Releases the handle once; later calls do nothing. Never throws. */
    @Override
    public final void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LIVE.get(kind).decrementAndGet();
        try {
            int status = release();
            if (status != 0) {
                LOG.warn("releasing {} failed: {} ({})", kind, Cl.statusName(status), status);
            }
        } catch (RuntimeException e) {
            LOG.warn("releasing {} failed", kind, e);
        }
    }
}
