/*
 * The tuner on a real (small) bucket: it times candidates, keeps a correct winner, and the saved
 * cache is what the next engine on the device plans with. A damaged cache is ignored, not fatal.
 */
package io.github.softmaxcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.exec.EngineCore;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.kernel.Tunables;
import io.github.softmaxcl.kernel.Tuning;
import io.github.softmaxcl.kernel.Tuning.Bucket;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import io.github.softmaxcl.reference.Comparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TunerTest {
    @TempDir
    Path cache;
    private String old;

    @BeforeEach
    void useTempCache() {
        old = System.getProperty(Tuning.CACHE_PROPERTY);
        System.setProperty(Tuning.CACHE_PROPERTY, cache.toString());
    }

    @AfterEach
    void restore() {
        if (old == null) {
            System.clearProperty(Tuning.CACHE_PROPERTY);
        } else {
            System.setProperty(Tuning.CACHE_PROPERTY, old);
        }
    }

    @Test
    void quickTuningPicksACorrectWinnerThatTheNextEngineUses() throws Exception {
        Tuning.Entry entry;
        try (SoftmaxEngine engine = SoftmaxEngine.builder().tuning(false).build()) {
            EngineCore core = Internals.core(engine);
            Tuner.Result r = new Tuner(engine, true, null).tune(Bucket.SHORT, ElementType.FLOAT32);
            assertTrue(r.tried() >= 3, "every applicable variant is timed: " + r);
            assertEquals(0, r.rejected(), "the shipped variants are all correct");
            assertTrue(r.entry().gbps() > 0);
            entry = r.entry();
            Path file = new Tuning(List.of(entry)).save(core.device());
            assertTrue(Files.readString(file).contains("float32.short=" + entry.variant()), Files.readString(file));
        }
        try (SoftmaxEngine tuned0 = SoftmaxEngine.create()) {
            EngineCore tuned = Internals.core(tuned0);
            Tuning.Entry loaded = tuned.tuning().lookup(10, ElementType.FLOAT32);
            assertEquals(entry.variant(), loaded.variant());
            assertEquals(entry.tunables(), loaded.tunables());
            assertEquals(entry.gbps(), loaded.gbps(), 0.01); // stored with two decimals
            assertEquals(entry.variant(), tuned.plan(12345, 10, ElementType.FLOAT32).variant());
            float[] x = Inputs.floats(Inputs.Pattern.ADVERSARIAL, 999, 10, 3);
            float[] y = tuned0.softmax(x, 999, 10);
            double[] ref = ReferenceSoftmax.softmax(x, 999, 10);
            assertTrue(Comparison.of(i -> x[(int) i], i -> y[(int) i], i -> ref[(int) i], 999, 10,
                    ElementType.FLOAT32).passed());
        }
    }

    @Test
    void tunedEntryThatCannotRunALengthFallsBackToDefaults() throws Exception {
        try (SoftmaxEngine engine = SoftmaxEngine.builder().tuning(false).build()) {
            EngineCore core = Internals.core(engine);
            // REGISTERS with work-groups of 128 holds at most 2048 elements: the LONG bucket reaches 16384.
            new Tuning(List.of(new Tuning.Entry(Bucket.LONG, ElementType.FLOAT32, Variant.REGISTERS,
                    new Tunables(0, 0, 128, 0), 1.0))).save(core.device());
        }
        try (SoftmaxEngine tuned0 = SoftmaxEngine.create()) {
            EngineCore tuned = Internals.core(tuned0);
            assertEquals(Variant.REGISTERS, tuned.plan(10, 1500, ElementType.FLOAT32).variant());
            assertEquals(128, tuned.plan(10, 1500, ElementType.FLOAT32).wg());
            assertNotNull(tuned.plan(10, 16000, ElementType.FLOAT32));
            assertTrue(tuned.plan(10, 16000, ElementType.FLOAT32).variant() != Variant.REGISTERS);
        }
    }

    @Test
    void damagedCacheIsIgnored() throws Exception {
        try (SoftmaxEngine engine = SoftmaxEngine.builder().tuning(false).build()) {
            EngineCore core = Internals.core(engine);
            Path file = Tuning.cacheFile(core.device());
            Files.createDirectories(file.getParent());
            Files.writeString(file, "float32.short=NO_SUCH_VARIANT 1 2\n");
            assertTrue(Tuning.load(core.device()).entries().isEmpty());
        }
    }
}
