/*
 * One command queue with the launcher that enqueues on it (the launcher owns that queue's kernel
 * scratch). The engine has one lane, and a second for the overlapped path on discrete devices.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.kernel.SoftmaxLauncher;

/**
 * A queue and its launcher.
 *
 * @param queue the queue
 * @param launcher the launcher bound to it
 */
record Lane(ClQueue queue, SoftmaxLauncher launcher) implements AutoCloseable {
    /** Waits for the queue, reporting nothing: used on failure paths, where the first error is the one to report. */
    void finishQuietly() {
        try {
            queue.finish();
        } catch (RuntimeException ignored) {
            // the original failure is reported by the caller
        }
    }

    @Override
    public void close() {
        launcher.close();
        queue.close();
    }
}
