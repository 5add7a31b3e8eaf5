/*
 * Thousands of calls, in a loop and from several threads, must not grow the number of open OpenCL
 * objects (counted by the owner classes) and must give bit-identical results every time; closing
 * the engine must bring every count back to where it started.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.github.softmaxcl.cl.ClObject;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

class ResourceTest {
    @Test
    void manyCallsAndThreadsLeakNothing() throws Exception {
        long before = ClObject.liveCount();
        float[] small = Inputs.floats(Pattern.ADVERSARIAL, 8, 100, 1);
        float[] medium = Inputs.floats(Pattern.OUTLIERS, 3, 5000, 2); // SPLIT: scratch buffer path
        try (SoftmaxEngine engine = Engines.open(null, 0)) {
            float[] s0 = engine.softmax(small, 8, 100);
            float[] m0 = engine.softmax(medium, 3, 5000);
            long warm = ClObject.liveCount();
            for (int i = 0; i < 2000; i++) {
                assertArrayEquals(s0, engine.softmax(small, 8, 100), "call " + i);
                if (i % 10 == 0) {
                    assertArrayEquals(m0, engine.softmax(medium, 3, 5000), "call " + i);
                }
            }
            assertEquals(warm, ClObject.liveCount(), "open OpenCL objects grew over 2000 calls");

            ExecutorService pool = Executors.newFixedThreadPool(4);
            try {
                List<Future<?>> futures = new ArrayList<>();
                for (int t = 0; t < 4; t++) {
                    futures.add(pool.submit(() -> {
                        for (int i = 0; i < 250; i++) {
                            assertArrayEquals(s0, engine.softmax(small, 8, 100));
                            assertArrayEquals(m0, engine.softmax(medium, 3, 5000));
                        }
                        return null;
                    }));
                }
                for (Future<?> f : futures) {
                    f.get();
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(warm, ClObject.liveCount(), "open OpenCL objects grew under 4 threads");
        }
        assertEquals(before, ClObject.liveCount(), "closing the engine left objects open");
    }

    @Test
    void enginePerThreadAlsoWorks() throws Exception {
        float[] x = Inputs.floats(Pattern.RANDOM, 16, 777, 4);
        float[] expected;
        try (SoftmaxEngine e = io.github.softmaxcl.exec.Internals.open(io.github.softmaxcl.exec.EngineConfig.DEFAULT.withVariant(Variant.REGISTERS))) {
            expected = e.softmax(x, 16, 777);
        }
        ExecutorService pool = Executors.newFixedThreadPool(3);
        try {
            List<Future<float[]>> out = new ArrayList<>();
            for (int t = 0; t < 3; t++) {
                out.add(pool.submit(() -> {
                    try (SoftmaxEngine e = io.github.softmaxcl.exec.Internals.open(io.github.softmaxcl.exec.EngineConfig.DEFAULT.withVariant(Variant.REGISTERS))) {
                        return e.softmax(x, 16, 777);
                    }
                }));
            }
            for (Future<float[]> f : out) {
                assertArrayEquals(expected, f.get());
            }
        } finally {
            pool.shutdown();
        }
    }
}
