/*
 * Releases native resources that a caller forgot to close. Engines and device tensors register
 * their native state with one java.lang.ref.Cleaner (never a finalizer, as the JDK does for direct
 * buffers); when the public object becomes unreachable unclosed, the state is released and a
 * warning says what leaked. With DEBUG logging on for this class, the warning also carries the
 * stack where the object was created (capturing it always would cost every allocation).
 */
package io.github.softmaxcl.exec;

import java.lang.ref.Cleaner;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Leak detection and release for engines and device tensors. */
public final class Leaks {
    private static final Logger LOG = LoggerFactory.getLogger(Leaks.class);
    private static final Cleaner CLEANER = Cleaner.create();
    private static final AtomicLong RELEASED = new AtomicLong();

    private Leaks() {}

    /** The handle an owner keeps: closing it releases the state without a warning. */
    public static final class Tracked implements AutoCloseable {
        private final Action action;
        private final Cleaner.Cleanable cleanable;

        private Tracked(Action action, Cleaner.Cleanable cleanable) {
            this.action = action;
            this.cleanable = cleanable;
        }

        /** Releases the state now (once); no warning. */
        @Override
        public void close() {
            action.explicit = true;
            cleanable.clean();
        }
    }

    /**
     * Registers {@code owner}: when it becomes unreachable before the returned handle is closed,
     * {@code state} is closed and a warning logged.
     *
     * @param owner the public object users hold
     * @param what a description for the warning, e.g. "SoftmaxEngine on 0:0 cpu"
     * @param state the native state; must not refer to {@code owner}
     * @return the handle to close on explicit close
     */
    public static Tracked track(Object owner, String what, AutoCloseable state) {
        Throwable site = LOG.isDebugEnabled() ? new Throwable("created here") : null;
        Action a = new Action(what, state, site);
        return new Tracked(a, CLEANER.register(owner, a));
    }

    /** @return how many never-closed objects the Cleaner has released in this JVM */
    public static long releasedCount() {
        return RELEASED.get();
    }

    /** The cleaning action; a static class so it cannot capture the owner. */
    private static final class Action implements Runnable {
        private final String what;
        private final AutoCloseable state;
        private final Throwable site;
        private volatile boolean explicit;

        Action(String what, AutoCloseable state, Throwable site) {
            this.what = what;
            this.state = state;
            this.site = site;
        }

        @Override
        public void run() {
            if (!explicit) {
                RELEASED.incrementAndGet();
                if (site != null) {
                    LOG.warn("{} was never closed; released by the garbage collector", what, site);
                } else {
                    LOG.warn("{} was never closed; released by the garbage collector (DEBUG logging for {} "
                            + "shows where it was created)", what, Leaks.class.getName());
                }
            }
            try {
                state.close();
            } catch (Exception e) {
                LOG.warn("releasing {} failed: {}", what, e.toString());
            }
        }
    }
}
