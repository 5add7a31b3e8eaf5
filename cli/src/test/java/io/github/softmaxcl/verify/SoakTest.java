/*
 * The soak's parts without the clock: every entry point x kind of memory x op feature (element types
 * paired in) goes through SoakCall and passes against the reference; the random draw reaches every
 * entry, memory, type and feature and keeps the combinations the API accepts; durations parse.
 * The timed soak itself is run through the command line in cli.SoakCommandTest.
 */
package io.github.softmaxcl.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.reference.Inputs.Pattern;
import io.github.softmaxcl.verify.SoakCall.Entry;
import io.github.softmaxcl.verify.SoakCall.Mask;
import io.github.softmaxcl.verify.SoakMemory.Kind;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.SplittableRandom;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class SoakTest {
    private static final long[] ROWS = {37, 61};
    private static final long[] ND = {3, 29, 5};
    private static SoftmaxEngine engine;
    private static List<ElementType> types;

    @BeforeAll
    static void open() {
        engine = SoftmaxEngine.builder().tuning(false).build();
        types = new ArrayList<>(List.of(ElementType.values()));
        if (!engine.device().fp64()) {
            types.remove(ElementType.FLOAT64);
        }
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    /** One op feature as the fields of a call: shape, axis, log, temperature, mask, zero rows, in place, gradient. */
    private record Feature(long[] shape, int axis, boolean log, double t, Mask mask, boolean zero, boolean inPlace,
            boolean backward) {}

    private static final Feature[] FEATURES = {
        new Feature(ROWS, -1, false, 1, Mask.NONE, false, false, false),
        new Feature(ROWS, -1, true, 1, Mask.NONE, false, false, false),
        new Feature(ROWS, -1, false, 0.7, Mask.NONE, false, false, false),
        new Feature(ROWS, -1, false, 1, Mask.FULL, false, false, false),
        new Feature(ROWS, -1, true, 1, Mask.ROW, false, false, false),
        new Feature(ROWS, -1, false, 1, Mask.FULL, true, false, false),
        new Feature(ND, 1, true, 1, Mask.NONE, false, false, false),
        new Feature(ROWS, 0, false, 2, Mask.FULL, true, false, false),
        new Feature(ROWS, -1, false, 1, Mask.NONE, false, true, false),
        new Feature(ROWS, -1, false, 1, Mask.NONE, false, false, true),
        new Feature(ND, 1, true, 1.5, Mask.NONE, false, false, true),
        new Feature(ROWS, -1, true, 1, Mask.NONE, false, true, true),
    };

    @Test
    void everyEntryMemoryAndFeaturePassesWithEveryElementType() {
        List<String> failures = new ArrayList<>();
        Set<String> typesPerMemory = new HashSet<>();
        int i = 0;
        for (Entry entry : new Entry[] {Entry.ENGINE, Entry.PRIMITIVE}) {
            for (Kind memory : Kind.values()) {
                for (Feature f : FEATURES) {
                    ElementType type = types.get(i++ % types.size());
                    typesPerMemory.add(memory + " " + type);
                    SoakCall c = new SoakCall(entry, memory, type, f.shape(), f.axis(), f.log(), f.t(), f.mask(),
                            f.zero(), f.inPlace(), f.backward(), Pattern.ADVERSARIAL, i);
                    String failure = c.run(engine);
                    if (failure != null) {
                        failures.add(failure);
                    }
                }
            }
        }
        for (ElementType type : List.of(ElementType.FLOAT32, ElementType.FLOAT64)) {
            if (types.contains(type)) {
                for (int v = 0; v < 4; v++) {
                    // seed parity picks the one-liner form: new array (odd) or into an array (even).
                    SoakCall c = new SoakCall(Entry.ONE_LINER, Kind.ARRAY, type, ROWS, -1, v == 0, 1, Mask.NONE,
                            false, v == 1, false, Pattern.ADVERSARIAL, v);
                    String failure = c.run(engine);
                    if (failure != null) {
                        failures.add(failure);
                    }
                }
            }
        }
        assertEquals(List.of(), failures);
        assertEquals(Kind.values().length * types.size(), typesPerMemory.size(), "every memory with every type");
    }

    @Test
    void aCallThatCannotRunIsReportedNotThrown() {
        // A row mask on a 3-d axis-1 call is refused by the engine: the soak must count it, not die.
        SoakCall c = new SoakCall(Entry.ENGINE, Kind.ARRAY, ElementType.FLOAT32, ND, 1, false, 1, Mask.ROW, false,
                false, false, Pattern.RANDOM, 1);
        String failure = c.run(engine);
        assertTrue(failure != null && failure.startsWith("engine array float32 [3, 29, 5] axis 1 softmax mask ROW"),
                String.valueOf(failure));
        assertTrue(failure.contains("IllegalArgumentException"), failure);
    }

    @Test
    void randomCallsReachEveryEntryMemoryTypeAndFeatureAndStayValid() {
        SplittableRandom rnd = new SplittableRandom(42);
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 5000; i++) {
            SoakCall c = SoakCall.random(rnd, types);
            seen.add(c.entry().name());
            seen.add(c.memory().name());
            seen.add(c.type().label());
            seen.addAll(c.features());
            if (c.entry() == Entry.ONE_LINER) {
                assertTrue(c.memory() == Kind.ARRAY && c.shape().length == 2 && !c.backward() && c.axis() == -1
                        && c.mask() == Mask.NONE && c.temperature() == 1 && !c.type().isHalf(), c.toString());
            }
            assertTrue(c.mask() != Mask.ROW || c.axis() == -1, c.toString());
            assertTrue(!c.backward() || c.mask() == Mask.NONE, c.toString());
            assertTrue(c.axis() < c.shape().length - 1, c.toString());
        }
        Set<String> expected = new HashSet<>(Set.of("softmax", "log_softmax", "backward", "log_backward",
                "temperature", "mask", "mask_row", "masked_rows_zero", "axis", "in_place"));
        for (Entry e : Entry.values()) {
            expected.add(e.name());
        }
        for (Kind k : Kind.values()) {
            expected.add(k.name());
        }
        types.forEach(t -> expected.add(t.label()));
        expected.removeAll(seen);
        assertEquals(Set.of(), expected, "never drawn");
    }

    @Test
    void durationsParseAndBadOnesAreRefused() {
        assertEquals(Duration.ofSeconds(30), Soak.parseDuration("30s"));
        assertEquals(Duration.ofMinutes(5), Soak.parseDuration("5m"));
        assertEquals(Duration.ofHours(1), Soak.parseDuration("1h"));
        assertEquals(Duration.ofMillis(250), Soak.parseDuration("250ms"));
        for (String bad : new String[] {"", "5", "5x", "0s", "-1s", "1.5m", "s"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Soak.parseDuration(bad),
                    bad);
            assertTrue(e.getMessage().contains("'" + bad + "'"), e.getMessage());
        }
    }
}
