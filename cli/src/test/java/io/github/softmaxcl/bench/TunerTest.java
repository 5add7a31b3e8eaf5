/*
 * The tuner on a real (small) bucket: it times candidates, keeps a correct winner, and the saved
 * cache is what the next engine on the device plans with. A damaged cache is ignored, not fatal:
 * each bad entry (the reported absurd one among them) gets one warning naming the file and line, and
 * the engine plans with its defaults and matches the reference. (Every kind of bad entry, on both
 * device kinds, is in kernel.TuningCacheTest.)
 */
package io.github.softmaxcl.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.exec.EngineCore;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.kernel.Tunables;
import io.github.softmaxcl.kernel.Tuning;
import io.github.softmaxcl.kernel.Tuning.Bucket;
import io.github.softmaxcl.kernel.TuningSpace;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import io.github.softmaxcl.reference.Comparison;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

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
            // TILE compiles rows of at most 64 elements in: the MEDIUM bucket reaches 1024. (TILE is
            // searched on every kind of device, so the entry is valid on any.)
            new Tuning(List.of(new Tuning.Entry(Bucket.MEDIUM, ElementType.FLOAT32, Variant.TILE,
                    new Tunables(8, 0, 0, 0), 1.0))).save(core.device());
        }
        try (SoftmaxEngine tuned0 = SoftmaxEngine.create()) {
            EngineCore tuned = Internals.core(tuned0);
            assertEquals(Variant.TILE, tuned.plan(10, 50, ElementType.FLOAT32).variant());
            assertEquals(8, tuned.plan(10, 50, ElementType.FLOAT32).vec());
            assertNotNull(tuned.plan(10, 1000, ElementType.FLOAT32));
            assertTrue(tuned.plan(10, 1000, ElementType.FLOAT32).variant() != Variant.TILE);
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

    /** Something that opens engines. */
    private interface EngineWork {
        void run() throws Exception;
    }

    /** The warnings the tuning cache logs while {@code work} runs. */
    private static List<String> tuningWarnings(EngineWork work) throws Exception {
        Logger log = (Logger) LoggerFactory.getLogger(Tuning.class);
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        log.addAppender(appender);
        try {
            work.run();
        } finally {
            log.detachAppender(appender);
        }
        return appender.list.stream().filter(e -> e.getLevel() == Level.WARN).map(ILoggingEvent::getFormattedMessage)
                .collect(Collectors.toList());
    }

    private static DeviceInfo device() {
        try (SoftmaxEngine engine = SoftmaxEngine.builder().tuning(false).build()) {
            return Internals.core(engine).device();
        }
    }

    /** The engine plans rows of {@code cols} as with no tuning at all, and its results match the reference. */
    private static void assertDefaultPlanAndCorrect(SoftmaxEngine engine, int cols) {
        EngineCore core = Internals.core(engine);
        int rows = 37;
        assertEquals(Planner.plan(rows, cols, ElementType.FLOAT32, core.device(), null, 0, Tuning.NONE),
                core.plan(rows, cols, ElementType.FLOAT32), "cols=" + cols);
        float[] x = Inputs.floats(Inputs.Pattern.ADVERSARIAL, rows, cols, cols);
        float[] y = engine.softmax(x, rows, cols);
        double[] ref = ReferenceSoftmax.softmax(x, rows, cols);
        Comparison c = Comparison.of(i -> x[(int) i], i -> y[(int) i], i -> ref[(int) i], rows, cols,
                ElementType.FLOAT32);
        assertTrue(c.passed(), "cols=" + cols + ": " + c.firstFailure());
    }

    @Test
    void theReportedAbsurdEntryIsIgnoredAndRowsOf33To1024ElementsAreRight() throws Exception {
        Path file = Tuning.cacheFile(device());
        Files.createDirectories(file.getParent());
        // Planning with it divided by 256 x 2^56, which overflows to 0: "/ by zero" on every call.
        Files.writeString(file, "float32.medium=SPLIT 0 0 256 72057594037927936 1.0\n");
        List<String> warnings = tuningWarnings(() -> {
            try (SoftmaxEngine engine = SoftmaxEngine.create()) {
                assertTrue(Internals.core(engine).tuning().entries().isEmpty());
                for (int cols : new int[] {33, 100, 1000, 1024}) {
                    assertDefaultPlanAndCorrect(engine, cols);
                }
            }
        });
        assertEquals(1, warnings.size(), warnings::toString);
        assertTrue(warnings.get(0).startsWith(file + ":1: ignored tuning entry"), warnings.get(0));
        assertTrue(warnings.get(0).contains("72057594037927936"), warnings.get(0));
    }

    @Test
    void eachBadEntryGetsOneWarningNamingItsLineAndTheEnginePlansWithDefaults() throws Exception {
        DeviceInfo device = device();
        List<String> bad = new ArrayList<>(List.of(
                "float32.medium=SPLIT 0 0 256 72057594037927936 1.0", // absurd grain
                "float32.medium=VECTOR 16 -8 0 0 1.0", // negative local size
                "float32.medium=VECTOR 16 0 0 0 0", // a speed of zero
                "float32.medium=VECTOR 16 0 1073741824 0 1.0", // past every device's work-group maximum
                "float32.medium=VECTOR 16 0 0 0 lots")); // not a number
        for (Variant v : Variant.values()) {
            if (!TuningSpace.variants(device).contains(v)) { // a variant this kind of device is not tuned for
                bad.add("float32.medium=" + v + " 0 0 0 0 1.0");
                break;
            }
        }
        Path file = Tuning.cacheFile(device);
        Files.createDirectories(file.getParent());
        Files.writeString(file, "# hand-edited\n" + String.join("\n", bad) + "\n");
        List<String> warnings = tuningWarnings(() -> {
            for (int engines = 0; engines < 2; engines++) { // the second engine hears nothing new
                try (SoftmaxEngine engine = SoftmaxEngine.create()) {
                    assertTrue(Internals.core(engine).tuning().entries().isEmpty());
                    assertDefaultPlanAndCorrect(engine, 33);
                    assertDefaultPlanAndCorrect(engine, 1000);
                }
            }
        });
        assertEquals(bad.size(), warnings.size(), warnings::toString);
        for (int i = 0; i < bad.size(); i++) {
            String expected = file + ":" + (i + 2) + ": ignored tuning entry '" + bad.get(i) + "': ";
            assertTrue(warnings.get(i).startsWith(expected), warnings.get(i));
        }
    }
}
