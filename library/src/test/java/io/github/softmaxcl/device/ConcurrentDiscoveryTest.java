/*
 * The first device discovery of a process, made from several threads at once, must not crash the
 * JVM: that is what opening one engine per thread does at start-up, and PoCL's initialisation
 * segfaulted (in clGetDeviceInfo) when threads discovered devices together. Only a process's first
 * discovery races, so each attempt is a fresh child JVM whose threads all open engines at once.
 */
package io.github.softmaxcl.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.SoftmaxEngine;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ConcurrentDiscoveryTest {
    private static final int THREADS = 8;
    private static final int ATTEMPTS = 4;

    /** The child: THREADS threads released together, each opening and closing an engine. */
    public static void main(String[] args) throws InterruptedException {
        CountDownLatch go = new CountDownLatch(1);
        Thread[] threads = new Thread[THREADS];
        for (int i = 0; i < THREADS; i++) {
            threads[i] = new Thread(() -> {
                try {
                    go.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
                SoftmaxEngine.builder().tuning(false).build().close();
            });
            threads[i].start();
        }
        go.countDown();
        for (Thread t : threads) {
            t.join();
        }
        System.out.println("opened " + THREADS + " engines at once");
    }

    @Test
    void enginesOpenedFromSeveralThreadsAtStartUpDoNotCrashTheProcess() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
            ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-XX:-CreateCoredumpOnCrash",
                    "-XX:ErrorFile=/dev/null", "-cp", System.getProperty("java.class.path"),
                    ConcurrentDiscoveryTest.class.getName()));
            pb.redirectErrorStream(true);
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM hung");
            assertEquals(0, p.exitValue(), "attempt " + attempt + ":\n" + output);
            assertTrue(output.contains("opened " + THREADS + " engines at once"), output);
        }
    }
}
