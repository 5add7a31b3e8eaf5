/*
 * The central correctness suite: every kernel variant, on every shape it can run, in float32 and
 * float64, on random and adversarial inputs, compared with the CPU reference under the stated
 * tolerances. Device outputs are poisoned with NaN before each run, so an element a kernel never
 * writes fails. Shapes straddle every threshold in the planner and every work-group size.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DeviceVsReferenceTest {
    /** The forced variants plus "auto" (null key), each its own engine. */
    private final Map<Variant, SoftmaxEngine> forced = new EnumMap<>(Variant.class);
    private SoftmaxEngine auto;
    private SoftmaxEngine split3;
    private SoftmaxEngine chunks3;

    @BeforeAll
    void open() {
        auto = Engines.open(null, 0);
        for (Variant v : Variant.values()) {
            forced.put(v, Engines.open(v, 0));
        }
        split3 = Engines.open(Variant.SPLIT, 3);
        chunks3 = Engines.open(Variant.CHUNKS, 3);
    }

    @AfterAll
    void close() {
        auto.close();
        forced.values().forEach(SoftmaxEngine::close);
        split3.close();
        chunks3.close();
    }

    private SoftmaxEngine engine(String name) {
        return switch (name) {
            case "auto" -> auto;
            case "SPLIT/3" -> split3;
            case "CHUNKS/3" -> chunks3;
            default -> forced.get(Variant.valueOf(name));
        };
    }

    /** Whether a forced variant can run rows of this length (the others refuse with a clear error). */
    static boolean canRun(Variant v, int cols, long elements) {
        return switch (v) {
            case ROWS -> cols <= Planner.MAX_ROWS_VARIANT && elements <= 2_000_000;
            case TILE -> cols <= Planner.MAX_TILE_COLS;
            case REGISTERS -> cols <= Planner.MAX_REGISTERS_WG * Planner.MAX_ITEMS; // PoCL and Oclgrind allow 1024
            default -> true;
        };
    }

    /** Shapes around every threshold; the work-group size is PoCL's and most GPUs' default of 256. */
    static Stream<Arguments> cases() {
        int wg = 256;
        int regMax = wg * Planner.MAX_ITEMS;
        int[][] shapes = {
            {1, 1}, {1, 7}, {7, 1}, {3, 31}, {3, 32}, {3, 33}, {5, 63}, {5, 64}, {5, 65}, {17, 15}, {33, 16},
            {1000, 10}, {15, 17},
            {5, wg - 1}, {5, wg}, {5, wg + 1}, {2, 2 * wg + 1}, {3, regMax - 1}, {3, regMax}, {3, regMax + 1},
            {13, 997}, {101, 7}, {2048, 1000}, {100003, 10}, {4, 262147}, {1, 1048583},
            {2, 4 * regMax - 1}, {2, 4 * regMax}, {2, 4 * regMax + 1}, // REGISTERS' 1024-wide groups and past them
        };
        List<Arguments> out = new ArrayList<>();
        for (int[] s : shapes) {
            int rows = s[0];
            int cols = s[1];
            long n = (long) rows * cols;
            List<String> engines = new ArrayList<>(List.of("auto"));
            for (Variant v : Variant.values()) {
                if (canRun(v, cols, n)) {
                    engines.add(v.name());
                }
            }
            if (cols >= 3) {
                engines.add("SPLIT/3");
                engines.add("CHUNKS/3");
            }
            for (String e : engines) {
                for (ElementType p : List.of(ElementType.FLOAT32, ElementType.FLOAT64)) {
                    out.add(Arguments.of(e, rows, cols, p));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1}x{2} {3}")
    @MethodSource("cases")
    void adversarialInputsMatchReference(String engineName, int rows, int cols, ElementType precision) {
        SoftmaxEngine engine = engine(engineName);
        long seed = 31L * rows + cols;
        String what = engineName + " " + io.github.softmaxcl.exec.Internals.core(engine).plan(rows, cols, precision) + " " + rows + "x" + cols;
        if (precision == ElementType.FLOAT32) {
            float[] x = Inputs.floats(Pattern.ADVERSARIAL, rows, cols, seed);
            float[] copy = x.clone();
            float[] y = engine.softmax(x, rows, cols);
            assertArrayEquals(copy, x, "input modified");
            Oracle.check(x, y, rows, cols, what);
        } else {
            double[] x = Inputs.doubles(Pattern.ADVERSARIAL, rows, cols, seed);
            double[] copy = x.clone();
            double[] y = engine.softmax(x, rows, cols);
            assertArrayEquals(copy, x, "input modified");
            Oracle.check(x, y, rows, cols, what);
        }
    }

    static Stream<Arguments> patterns() {
        List<Arguments> out = new ArrayList<>();
        for (Pattern p : Pattern.values()) {
            for (String e : List.of("auto", "ROWS", "REGISTERS", "VECTOR", "SPLIT", "SPLIT/3", "CHUNKS", "CHUNKS/3")) {
                for (ElementType prec : List.of(ElementType.FLOAT32, ElementType.FLOAT64)) {
                    out.add(Arguments.of(p, e, prec));
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2}")
    @MethodSource("patterns")
    void everyPatternMatchesReference(Pattern pattern, String engineName, ElementType precision) {
        int rows = 37;
        int cols = 1500;
        SoftmaxEngine engine = engine(engineName);
        if (precision == ElementType.FLOAT32) {
            float[] x = Inputs.floats(pattern, rows, cols, 7);
            Oracle.check(x, engine.softmax(x, rows, cols), rows, cols, engineName + " " + pattern);
        } else {
            double[] x = Inputs.doubles(pattern, rows, cols, 7);
            Oracle.check(x, engine.softmax(x, rows, cols), rows, cols, engineName + " " + pattern);
        }
    }

    static Stream<Arguments> shortRowPatterns() {
        List<Arguments> out = new ArrayList<>();
        for (Pattern p : Pattern.values()) {
            for (int cols : new int[] {2, 10, 32, 64}) {
                for (ElementType prec : List.of(ElementType.FLOAT32, ElementType.FLOAT64)) {
                    out.add(Arguments.of(p, cols, prec));
                }
            }
        }
        return out.stream();
    }

    /**
     * Short rows in full tiles of 16, for every pattern: TILE's shifted fast path (random, outliers,
     * near-uniform, masked rows) and its exact fallback (huge spreads, NaN and inf rows) side by side.
     */
    @ParameterizedTest(name = "{0} x{1} {2}")
    @MethodSource("shortRowPatterns")
    void shortRowsInFullTiles(Pattern pattern, int cols, ElementType precision) {
        int rows = 16 * 40 + 5;
        for (String e : List.of("auto", "TILE", "ROWS")) {
            SoftmaxEngine engine = engine(e);
            if (precision == ElementType.FLOAT32) {
                float[] x = Inputs.floats(pattern, rows, cols, cols);
                Oracle.check(x, engine.softmax(x, rows, cols), rows, cols, e + " " + pattern);
            } else {
                double[] x = Inputs.doubles(pattern, rows, cols, cols);
                Oracle.check(x, engine.softmax(x, rows, cols), rows, cols, e + " " + pattern);
            }
        }
    }

    /** Scales from 1e-6 to 1e4: rows from near-uniform to one-hot. */
    @ParameterizedTest(name = "scale {0}")
    @org.junit.jupiter.params.provider.ValueSource(doubles = {1e-6, 1e-3, 1, 30, 1e3, 1e4})
    void scalesFromTinyToHuge(double scale) {
        int rows = 64;
        int cols = 700;
        float[] x = Inputs.floats(Pattern.RANDOM, rows, cols, 11);
        for (int i = 0; i < x.length; i++) {
            x[i] = (float) (x[i] / 3 * scale);
        }
        for (Variant v : Variant.values()) {
            if (canRun(v, cols, x.length)) {
                Oracle.check(x, forced.get(v).softmax(x, rows, cols), rows, cols, v + " scale " + scale);
            }
        }
        float[] shortRows = Inputs.floats(Pattern.RANDOM, 300, 20, 12);
        for (int i = 0; i < shortRows.length; i++) {
            shortRows[i] = (float) (shortRows[i] / 3 * scale);
        }
        Oracle.check(shortRows, forced.get(Variant.TILE).softmax(shortRows, 300, 20), 300, 20, "TILE scale " + scale);
    }

    /** Same input, same device: bit-identical output, run after run, in every variant. */
    @ParameterizedTest(name = "{0}")
    @org.junit.jupiter.params.provider.EnumSource(Variant.class)
    void deterministic(Variant v) {
        int rows = 9;
        int cols = v == Variant.TILE ? 61 : v == Variant.ROWS ? 2001 : 3001;
        float[] x = Inputs.floats(Pattern.OUTLIERS, rows, cols, 5);
        float[] first = forced.get(v).softmax(x, rows, cols);
        for (int i = 0; i < 5; i++) {
            assertArrayEquals(first, forced.get(v).softmax(x, rows, cols), v + " run " + i);
        }
    }
}
