/*
 * The softmax family on the device against the double reference (ReferenceFamily, through
 * verify.FamilyCheck, which `softmax verify` uses too), under the
 * tolerances stated once in Tolerance.of(format, kind): every option (log, temperature, full and
 * broadcast masks, masked-row zeros, and a combination) on every kernel variant and all four
 * storage formats; any axis of 3-d arrays, including lane counts that are not multiples of the
 * vector width; and gradients. Device outputs are poisoned before each run and inputs are
 * adversarial (NaN, inf and all -inf rows, outliers, huge spreads, near-uniform rows).
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import io.github.softmaxcl.reference.ReferenceFamily;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.reference.FamilyCheck;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class FamilyTest {
    private final Map<Variant, SoftmaxEngine> forced = new EnumMap<>(Variant.class);
    private SoftmaxEngine auto;
    /** The two any-axis kernels, each forced: row sweeps (CPU default) and lanes per column (GPU default). */
    private SoftmaxEngine sweep;
    private SoftmaxEngine lanes;

    @BeforeAll
    void open() {
        auto = Engines.open(null, 0);
        for (Variant v : Variant.values()) {
            forced.put(v, Engines.open(v, 0));
        }
        sweep = Internals.open(EngineConfig.DEFAULT.withTuning(false).withPoison(true).withSweepAxis(true));
        lanes = Internals.open(EngineConfig.DEFAULT.withTuning(false).withPoison(true).withSweepAxis(false));
    }

    @AfterAll
    void close() {
        auto.close();
        forced.values().forEach(SoftmaxEngine::close);
        sweep.close();
        lanes.close();
    }

    private SoftmaxEngine engine(String name) {
        return name.equals("auto") ? auto : forced.get(Variant.valueOf(name));
    }

    /** The feature sets every variant runs. */
    enum Feature { LOG, TEMPERATURE, MASK, MASK_ROW, MASKED_ZERO, ALL }

    static SoftmaxOp options(Feature f) {
        return switch (f) {
            case LOG -> SoftmaxOp.logSoftmax();
            case TEMPERATURE -> SoftmaxOp.softmax().withTemperature(0.7);
            case MASK, MASK_ROW -> SoftmaxOp.softmax();
            case MASKED_ZERO -> SoftmaxOp.softmax().withMaskedRows(MaskedRows.ZERO);
            case ALL -> SoftmaxOp.logSoftmax().withTemperature(2.5).withMaskedRows(MaskedRows.ZERO);
        };
    }

    static byte[] mask(int n, int cols, long seed) {
        return io.github.softmaxcl.reference.FamilyCase.mask(n, cols, seed);
    }

    static byte[] maskFor(Feature f, int n, int cols) {
        return switch (f) {
            case MASK, MASKED_ZERO, ALL -> mask(n, cols, n);
            case MASK_ROW -> mask(cols, cols, cols + 1); // one row broadcast over all rows
            default -> null;
        };
    }

    static double[] rounded(double[] x, ElementType f) {
        return FamilyCheck.rounded(x, f);
    }

    static double[] forward(SoftmaxEngine e, double[] x, long[] shape, int axis, ElementType f, SoftmaxOp o,
            byte[] mask) {
        return FamilyCheck.forward(e, x, shape, axis, f, o, mask);
    }

    static void check(double[] x, double[] device, long[] shape, int axis, ElementType f, SoftmaxOp o, byte[] mask,
            String what) {
        Comparison c = FamilyCheck.compareForward(x, device, shape, axis, f, o, mask);
        if (!c.passed()) {
            fail(what + ": " + c);
        }
    }

    static boolean canRun(Variant v, int cols) {
        return switch (v) {
            case ROWS -> cols <= Planner.MAX_ROWS_VARIANT;
            case TILE -> cols <= Planner.MAX_TILE_COLS;
            case REGISTERS -> cols <= Planner.MAX_REGISTERS_WG * Planner.MAX_ITEMS; // PoCL and Oclgrind allow 1024
            default -> true;
        };
    }

    static Stream<Arguments> lastAxisCases() {
        int[][] shapes = {{70, 10}, {37, 300}, {3, 5000}};
        List<Arguments> out = new ArrayList<>();
        List<String> engines = new ArrayList<>(List.of("auto"));
        for (Variant v : Variant.values()) {
            engines.add(v.name());
        }
        for (String e : engines) {
            for (ElementType f : ElementType.values()) {
                for (Feature feat : Feature.values()) {
                    for (int[] s : shapes) {
                        if (e.equals("auto") || canRun(Variant.valueOf(e), s[1])) {
                            out.add(Arguments.of(e, f, feat, s[0], s[1]));
                        }
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}x{4}")
    @MethodSource("lastAxisCases")
    void everyOptionOnEveryVariant(String engine, ElementType f, Feature feat, int rows, int cols) {
        double[] x = rounded(Inputs.doubles(Pattern.ADVERSARIAL, rows, cols, rows * 31L + cols), f);
        SoftmaxOp o = options(feat);
        byte[] mask = maskFor(feat, x.length, cols);
        long[] shape = {rows, cols};
        double[] y = forward(engine(engine), x, shape, -1, f, o, mask);
        check(x, y, shape, -1, f, o, mask, engine + " " + f + " " + feat);
    }

    static Stream<Arguments> axisCases() {
        List<Arguments> out = new ArrayList<>();
        long[][] shapes = {{5, 7, 33}, {3, 40, 16}, {257, 129}, {2, 1, 20}, {6, 11, 2}, {2, 600, 20}};
        for (long[] s : shapes) {
            for (int axis = -s.length; axis < 0; axis++) {
                for (ElementType f : ElementType.values()) {
                    for (Feature feat : new Feature[] {null, Feature.LOG, Feature.TEMPERATURE, Feature.MASK,
                        Feature.ALL}) {
                        out.add(Arguments.of(s, axis, f, feat));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} axis {1} {2} {3}")
    @MethodSource("axisCases")
    void anyAxis(long[] shape, int axis, ElementType f, Feature feat) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] x = rounded(Inputs.doubles(Pattern.ADVERSARIAL, 1, n, n + axis), f);
        SoftmaxOp o = feat == null ? SoftmaxOp.softmax() : options(feat);
        byte[] mask = feat == Feature.MASK || feat == Feature.ALL ? mask(n, (int) shape[shape.length - 1], n) : null;
        for (SoftmaxEngine e : new SoftmaxEngine[] {sweep, lanes}) {
            double[] y = forward(e, x, shape, axis, f, o, mask);
            check(x, y, shape, axis, f, o, mask, (e == sweep ? "sweep " : "lanes ") + java.util.Arrays.toString(shape)
                    + " axis " + axis + " " + f + " " + feat);
        }
    }

    static Stream<Arguments> gradientCases() {
        List<Arguments> out = new ArrayList<>();
        long[][] shapes = {{9, 1000}, {40, 7}, {4, 33, 19}};
        for (long[] s : shapes) {
            for (int axis : new int[] {-1, 0}) {
                for (ElementType f : ElementType.values()) {
                    for (boolean log : new boolean[] {false, true}) {
                        out.add(Arguments.of(s, axis, f, log));
                    }
                }
            }
        }
        return out.stream();
    }

    @ParameterizedTest(name = "{0} axis {1} {2} log={3}")
    @MethodSource("gradientCases")
    void gradients(long[] shape, int axis, ElementType f, boolean log) {
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        SoftmaxOp o = (log ? SoftmaxOp.logSoftmax() : SoftmaxOp.softmax()).withTemperature(1.5);
        double[] logits = Inputs.doubles(Pattern.OUTLIERS, 1, n, n);
        double[] y = rounded(ReferenceFamily.forward(logits, shape, axis, o.withTemperature(1.0), null), f);
        double[] dy = rounded(Inputs.doubles(Pattern.RANDOM, 1, n, n + 1), f);
        double[] dx = FamilyCheck.backward(auto, y, dy, shape, axis, f, o);
        double[] ref = ReferenceFamily.backward(y, dy, shape, axis, o);
        Comparison c = FamilyCheck.compareBackward(y, dy, dx, shape, axis, f, o);
        if (!c.passed()) {
            fail(java.util.Arrays.toString(shape) + " axis " + axis + " " + f + " log=" + log + ": " + c);
        }
        boolean nonTrivial = false;
        for (double v : ref) {
            nonTrivial |= Math.abs(v) > 1e-3;
        }
        assertTrue(nonTrivial, "reference gradient is trivially small");
    }

    @Test
    void temperatureOneIsBitIdenticalToPlainSoftmax() {
        float[] x = Inputs.floats(Pattern.ADVERSARIAL, 300, 77, 1);
        float[] plain = auto.softmax(x, 300, 77);
        float[] t1 = new float[x.length];
        auto.forward(HostTensor.of(x, 300, 77), HostTensor.of(t1, 300, 77), SoftmaxOp.softmax().withTemperature(1.0));
        assertArrayEquals(plain, t1);
        float[] t2 = new float[x.length];
        auto.forward(HostTensor.of(x, 300, 77), HostTensor.of(t2, 300, 77), SoftmaxOp.softmax().withTemperature(2.0));
        assertTrue(!java.util.Arrays.equals(plain, t2), "a temperature must change the result");
    }

    @Test
    void badOptionsAreRejectedWithTheValue() {
        for (double t : new double[] {0, -1, Double.NaN, Double.POSITIVE_INFINITY}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> SoftmaxOp.softmax().withTemperature(t));
            assertTrue(e.getMessage().contains("temperature must be finite and > 0, got " + t), e.getMessage());
        }
        float[] x = new float[12];
        float[] out = new float[12];
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> auto.forward(HostTensor.of(x, 3, 4), HostTensor.of(out, 3, 4),
                        SoftmaxOp.softmax().withMask(new byte[5])));
        assertTrue(m.getMessage().contains("mask has 5 entries"), m.getMessage());
        IllegalArgumentException a = assertThrows(IllegalArgumentException.class,
                () -> auto.forward(HostTensor.of(x, 3, 4), HostTensor.of(out, 3, 4), SoftmaxOp.softmax().withAxis(2)));
        assertTrue(a.getMessage().contains("axis 2 is out of range"), a.getMessage());
        IllegalArgumentException s = assertThrows(IllegalArgumentException.class,
                () -> HostTensor.of(x, 3, 5));
        assertTrue(s.getMessage().contains("does not match shape [3, 5]"), s.getMessage());
    }
}
