/*
 * One oracle body over the whole public surface: every data kind (array, heap buffer, view, direct
 * buffer, device tensor) x every element type x every op feature, each compared with the CPU
 * reference under the stated tolerances, with device outputs poisoned with NaN first. Kernel
 * variants are paired in rather than multiplied: case i runs on variant (kind + type + feature)
 * mod 7, which covers every (kind, variant), (type, variant) and (feature, variant) pair; the
 * full variant x feature x type product runs in FamilyTest and DeviceVsReferenceTest.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import io.github.softmaxcl.reference.ReferenceFamily;
import io.github.softmaxcl.reference.FamilyCase;
import io.github.softmaxcl.reference.FamilyCheck;
import java.util.ArrayList;
import java.util.HashMap;
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
class TensorOracleTest {
    /** Op features: each is one SoftmaxOp (plus a mask form, an axis, or the gradient). */
    enum Feature { PLAIN, LOG, TEMPERATURE, MASK, MASK_ROW, MASKED_ZERO, AXIS, IN_PLACE, BACKWARD, BACKWARD_LOG }

    /** null = the planner's choice; TILE, ROWS and REGISTERS can all run rows of 61. */
    private static final Variant[] VARIANTS = {null, Variant.ROWS, Variant.TILE, Variant.REGISTERS, Variant.VECTOR,
        Variant.SPLIT, Variant.CHUNKS};
    private static final long[] ROWS = {37, 61};
    private static final long[] ND = {3, 29, 5};

    private final Map<Variant, SoftmaxEngine> engines = new HashMap<>();

    @BeforeAll
    void open() {
        for (Variant v : VARIANTS) {
            engines.put(v, Engines.open(v, 0));
        }
    }

    @AfterAll
    void close() {
        engines.values().forEach(SoftmaxEngine::close);
    }

    static Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (DataKind k : DataKind.values()) {
            for (ElementType t : ElementType.values()) {
                for (Feature f : Feature.values()) {
                    Variant v = VARIANTS[(k.ordinal() + t.ordinal() + f.ordinal()) % VARIANTS.length];
                    out.add(Arguments.of(k, t, f, v == null ? "auto" : v.name()));
                }
            }
        }
        return out.stream();
    }

    static SoftmaxOp op(Feature f) {
        SoftmaxOp s = SoftmaxOp.softmax();
        return switch (f) {
            case LOG, BACKWARD_LOG -> SoftmaxOp.logSoftmax().withTemperature(f == Feature.BACKWARD_LOG ? 1.5 : 1);
            case TEMPERATURE -> s.withTemperature(0.7);
            case MASKED_ZERO -> s.withMaskedRows(MaskedRows.ZERO);
            case AXIS -> SoftmaxOp.logSoftmax().withAxis(1);
            default -> s;
        };
    }

    @ParameterizedTest(name = "{0} {1} {2} {3}")
    @MethodSource("cases")
    void everyKindTypeAndFeatureMatchesTheReference(DataKind kind, ElementType type, Feature f, String variant) {
        SoftmaxEngine e = engines.get(variant.equals("auto") ? null : Variant.valueOf(variant));
        long[] shape = f == Feature.AXIS ? ND : ROWS;
        int n = (int) (shape[0] * shape[1] * (shape.length > 2 ? shape[2] : 1));
        int cols = (int) shape[shape.length - 1];
        SoftmaxOp op = op(f);
        String what = kind + " " + type + " " + f + " " + variant;
        if (f == Feature.BACKWARD || f == Feature.BACKWARD_LOG) {
            double[] y = FamilyCheck.rounded(ReferenceFamily.forward(Inputs.doubles(Pattern.OUTLIERS, 1, n, n), shape,
                    -1, op.withTemperature(1), null), type);
            double[] dy = FamilyCheck.rounded(Inputs.doubles(Pattern.RANDOM, 1, n, n + 1), type);
            DataKind.Made my = kind.make(e, y, type, shape, true);
            DataKind.Made mdy = kind.make(e, dy, type, shape, true);
            DataKind.Made mdx = kind.make(e, new double[n], type, shape, false);
            e.backward(my.tensor(), mdy.tensor(), mdx.tensor(), op);
            assertArrayEquals(y, my.read(), what + ": y modified");
            expect(FamilyCheck.compareBackward(y, dy, mdx.read(), shape, -1, type, op), what);
            mdy.read();
            return;
        }
        double[] x = FamilyCheck.rounded(Inputs.doubles(Pattern.ADVERSARIAL, 1, n, n + f.ordinal()), type);
        byte[] mask = switch (f) {
            case MASK, MASKED_ZERO -> FamilyCase.mask(n, cols, n);
            case MASK_ROW -> FamilyCase.mask(cols, cols, cols + 1);
            default -> null;
        };
        if (mask != null) {
            op = op.withMask(mask);
        }
        int axis = f == Feature.AXIS ? 1 : -1;
        DataKind.Made mx = kind.make(e, x, type, shape, f != Feature.IN_PLACE);
        double[] got;
        if (f == Feature.IN_PLACE) {
            e.forward(mx.tensor(), mx.tensor(), op);
            got = mx.read();
        } else {
            DataKind.Made my = kind.make(e, new double[n], type, shape, false);
            e.forward(mx.tensor(), my.tensor(), op);
            got = my.read();
            assertArrayEquals(x, mx.read(), what + ": input modified");
        }
        expect(FamilyCheck.compareForward(x, got, shape, axis, type, op, mask), what);
    }

    private static void expect(Comparison c, String what) {
        if (!c.passed()) {
            fail(what + ": " + c);
        }
    }
}
