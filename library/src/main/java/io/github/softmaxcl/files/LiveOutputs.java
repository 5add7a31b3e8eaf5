/*
 * The registry of OutputFiles that are still being written in this JVM, and the shutdown hook that
 * deletes their temporary files when the JVM stops in the middle (SIGTERM, SIGINT, System.exit).
 * One lock guards the registry and the "shutting down" state, so a commit's rename and the hook
 * never interleave: either the rename happens first and the hook leaves the finished file alone,
 * or the hook deletes the temporary file first and the commit fails.
 *
 * A temporary name is reserved here before its file is created, so another writer in this JVM that
 * is looking for dead writers' files never opens one that is not locked yet: it would take it for a
 * dead writer's and delete it, and even opening it would drop its owner's lock later (closing any
 * channel on a file drops every POSIX lock this process holds on it).
 */
package io.github.softmaxcl.files;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Outputs being written in this JVM; all methods are thread-safe. */
final class LiveOutputs {
    /** Users know these messages as OutputFile's: log under its name, as before the split. */
    private static final Logger LOG = LoggerFactory.getLogger(OutputFile.class);
    private static final Object LOCK = new Object();
    private static final Set<OutputFile> LIVE = new LinkedHashSet<>();
    /** The temporary files of LIVE, and those being created. */
    private static final Set<Path> TEMPS = new HashSet<>();
    private static boolean hookInstalled;
    private static boolean shuttingDown;

    private LiveOutputs() {}

    /** An action on the file system that must not overlap the shutdown hook. */
    interface Rename {
        /** @throws IOException if the rename fails */
        void run() throws IOException;
    }

    /** Claims a temporary name before its file is created; see {@link #isOurs(Path)}. */
    static void reserve(Path temp) {
        synchronized (LOCK) {
            TEMPS.add(temp);
        }
    }

    /** Gives up a reserved name whose output was never registered (its creation failed). */
    static void release(Path temp) {
        synchronized (LOCK) {
            TEMPS.remove(temp);
        }
    }

    /**
     * @param temp a temporary file name
     * @return whether a writer in this JVM reserved it: its file is not to be opened by anyone else here
     */
    static boolean isOurs(Path temp) {
        synchronized (LOCK) {
            return TEMPS.contains(temp);
        }
    }

    /**
     * Registers a new output whose temporary name was reserved, installing the shutdown hook on first
     * use.
     *
     * @throws IOException if the JVM is already shutting down (the message names the target)
     */
    static void add(OutputFile out) throws IOException {
        synchronized (LOCK) {
            if (shuttingDown) {
                throw new IOException("cannot write " + out.target() + ": the JVM is shutting down");
            }
            if (!hookInstalled) {
                try {
                    Runtime.getRuntime().addShutdownHook(new Thread(LiveOutputs::deleteAll,
                            "softmax-cl temporary files"));
                } catch (IllegalStateException e) {
                    throw new IOException("cannot write " + out.target() + ": the JVM is shutting down", e);
                }
                hookInstalled = true;
            }
            LIVE.add(out);
        }
    }

    /** Forgets an output that was closed; its temporary file is its own business from here. */
    static void remove(OutputFile out) {
        synchronized (LOCK) {
            LIVE.remove(out);
            TEMPS.remove(out.temp());
        }
    }

    /**
     * Runs a commit's rename unless the JVM is shutting down, and forgets the output once it is done.
     *
     * @throws IOException if the JVM is shutting down (the hook has deleted or will delete the
     *                     temporary file) or the rename fails
     */
    static void commit(OutputFile out, Rename rename) throws IOException {
        synchronized (LOCK) {
            if (shuttingDown) {
                throw new IOException("cannot write " + out.target() + ": the JVM is shutting down");
            }
            rename.run();
            LIVE.remove(out);
            TEMPS.remove(out.temp());
        }
    }

    /**
     * Runs at JVM shutdown. A file still registered here belongs to a writer that was stopped in the
     * middle (a signal or System.exit): no writer commits or closes after this, so delete it.
     */
    private static void deleteAll() {
        synchronized (LOCK) {
            shuttingDown = true;
            for (OutputFile o : LIVE) {
                try {
                    Files.deleteIfExists(o.temp());
                    LOG.warn("stopped before {} was complete; deleted its temporary file {}", o.target(),
                            o.temp().getFileName());
                } catch (IOException e) {
                    LOG.warn("stopped before {} was complete; could not delete its temporary file {}: {}",
                            o.target(), o.temp(), e.toString());
                }
            }
            LIVE.clear();
            TEMPS.clear();
        }
    }
}
