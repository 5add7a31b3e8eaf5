/*
 * The benchmark's warm-up: it makes its minimum number of calls whatever the JIT does, in order from
 * index 0, and then waits for a quiet JIT (no compilation finished for QUIET_NANOS), for no longer
 * than WARM_UP_NANOS and a call.
 */
package io.github.softmaxcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.lang.management.CompilationMXBean;
import java.lang.management.ManagementFactory;
import org.junit.jupiter.api.Test;

class WarmUpTest {
    @Test
    void makesAtLeastTheMinimumCallsInOrder() {
        int[] next = {0};
        Benchmark.warmUp(7, i -> {
            assertEquals(next[0], i, "call indices must run 0, 1, 2, ...");
            next[0]++;
        });
        assertTrue(next[0] >= 7, "calls: " + next[0]);
    }

    @Test
    void waitsForAQuietJitButNeverPastItsLimit() {
        CompilationMXBean jit = ManagementFactory.getCompilationMXBean();
        assumeTrue(jit != null && jit.isCompilationTimeMonitoringSupported(),
                "this JVM reports no compilation time, so the warm-up makes its minimum calls only");
        long t0 = System.nanoTime();
        Benchmark.warmUp(1, i -> Thread.onSpinWait());
        long took = System.nanoTime() - t0;
        assertTrue(took >= Benchmark.QUIET_NANOS, "returned after " + took + " ns, before a quiet period");
        assertTrue(took < Benchmark.WARM_UP_NANOS + 1_000_000_000L, "ran " + took + " ns");
    }
}
