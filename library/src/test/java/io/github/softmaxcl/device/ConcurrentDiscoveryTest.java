/*
 * The first device discovery of a process, made from several threads at once, must not crash the
 * JVM: that is what opening one engine per thread does at start-up, and PoCL's initialisation
 * segfaulted (in clGetDeviceInfo) when threads discovered devices together. Only a process's first
 * discovery races, so each attempt is a fresh child JVM whose threads all open engines at once.
 */
package io.github.softmaxcl.device;

import io.github.softmaxcl.ChildJvm;
import io.github.softmaxcl.SoftmaxEngine;
import org.junit.jupiter.api.Test;

class ConcurrentDiscoveryTest {
    private static final int THREADS = 8;
    private static final int ATTEMPTS = 4;

    /** The child: THREADS threads released together, each opening and closing an engine. */
    public static void main(String[] args) throws InterruptedException {
        ChildJvm.atOnce(THREADS, () -> SoftmaxEngine.builder().tuning(false).build().close());
        System.out.println("opened " + THREADS + " engines at once");
    }

    @Test
    void enginesOpenedFromSeveralThreadsAtStartUpDoNotCrashTheProcess() throws Exception {
        ChildJvm.runsClean(ConcurrentDiscoveryTest.class, ATTEMPTS, "opened " + THREADS + " engines at once");
    }
}

