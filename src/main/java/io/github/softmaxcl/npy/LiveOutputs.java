/*
 * The registry of OutputFiles that are still being written in this JVM, and the shutdown hook that
 * deletes their temporary files when the JVM stops in the middle (SIGTERM, SIGINT, System.exit).
 * One lock guards the registry and the "shutting down" state, so a commit's rename and the hook
 * never interleave: either the rename happens first and the hook leaves the finished file alone,
 * or the hook deletes the temporary file first and the commit fails.
 */
package io.github.softmaxcl.npy;

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
    private static boolean hookInstalled;
    private static boolean shuttingDown;

    private LiveOutputs() {}

    /** An action on the file system that must not overlap the shutdown hook. */
    interface Rename {
        /** @throws IOException if the rename fails */
        void run() throws IOException;
    }

    /**
     * Registers a new output, installing the shutdown hook on first use.
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
        }
    }

    /** @return the temporary files of the outputs being written in this JVM */
    static Set<Path> temps() {
        Set<Path> temps = new HashSet<>();
        synchronized (LOCK) {
            for (OutputFile o : LIVE) {
                temps.add(o.temp());
            }
        }
        return temps;
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
        }
    }
}
