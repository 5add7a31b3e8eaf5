/*
 * Contexts created and released on several threads at once must not corrupt the process's native
 * heap: JOCL keeps every context in one unlocked map, and engines opened and closed on parallel
 * threads crashed the JVM in that map's erase or aborted at thread exit (ClContext serialises both
 * calls). A crash takes the whole process, so the threads run in a child JVM; without the lock most
 * child runs crashed.
 */
package io.github.softmaxcl.cl;

import io.github.softmaxcl.ChildJvm;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import org.junit.jupiter.api.Test;

class ConcurrentContextsTest {
    private static final int THREADS = 8;
    private static final int CONTEXTS_PER_THREAD = 400;
    private static final int ATTEMPTS = 3;

    /** The child: THREADS threads released together, each creating and releasing contexts in turn. */
    public static void main(String[] args) throws InterruptedException {
        DeviceInfo d = Devices.discover().get(0);
        ChildJvm.atOnce(THREADS, () -> {
            for (int k = 0; k < CONTEXTS_PER_THREAD; k++) {
                new ClContext(d.platform(), d.device()).close();
            }
        });
        System.out.println("released " + THREADS * CONTEXTS_PER_THREAD + " contexts");
    }

    @Test
    void contextsCreatedAndReleasedOnManyThreadsAtOnceDoNotCrashTheProcess() throws Exception {
        ChildJvm.runsClean(ConcurrentContextsTest.class, ATTEMPTS,
                "released " + THREADS * CONTEXTS_PER_THREAD + " contexts");
    }
}

