/*
 * The first device discovery of a process, made from several threads at once, must not crash the
 * JVM: that is what opening one engine per thread does at start-up, and PoCL's initialisation
 * segfaulted (in clGetDeviceInfo) when threads discovered devices together. Only a process's first
 * discovery races, so each attempt is a fresh child JVM whose threads all open engines at once.
 */
package io.github.softmaxcl.device;

import io.github.softmaxcl.ChildJvm;
import io.github.softmaxcl.SoftmaxEngine;
import java.util.concurrent.CountDownLatch;
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
        ChildJvm.runsClean(ConcurrentDiscoveryTest.class, ATTEMPTS, "opened " + THREADS + " engines at once");
    }
}

