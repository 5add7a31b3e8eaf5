/*
 * Runs a test's main class in fresh child JVMs, for faults that take the whole process (native
 * crashes, aborts) or that only a process's first calls can show: each run must exit 0 and print its
 * completion line, and a failure shows the child's output.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/** Child JVMs on the test's class path. */
public final class ChildJvm {
    private ChildJvm() {}

    /**
     * @param main the class whose main the child runs (no arguments)
     * @param runs how many children, one after another
     * @param done a line every clean run prints
     * @throws IOException if a child cannot be started
     * @throws InterruptedException if interrupted while waiting for one
     */
    public static void runsClean(Class<?> main, int runs, String done) throws IOException, InterruptedException {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        for (int run = 0; run < runs; run++) {
            ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-XX:-CreateCoredumpOnCrash",
                    "-XX:ErrorFile=/dev/null", "-cp", System.getProperty("java.class.path"), main.getName()));
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM hung");
            assertEquals(0, p.exitValue(), "run " + run + ":\n" + output);
            assertTrue(output.contains(done), output);
        }
    }

    /**
     * Runs work on several threads released together, as a child's main does to make its calls race.
     *
     * @param threads how many threads
     * @param work what each runs
     * @throws InterruptedException if interrupted while waiting for them
     */
    public static void atOnce(int threads, Runnable work) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        Thread[] all = new Thread[threads];
        for (int i = 0; i < threads; i++) {
            all[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                work.run();
            });
            all[i].start();
        }
        go.countDown();
        for (Thread t : all) {
            t.join();
        }
    }
}
