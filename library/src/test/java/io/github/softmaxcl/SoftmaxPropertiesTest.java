/*
 * Properties of softmax that must hold whatever the input: shift invariance, rows summing to 1,
 * order preservation, log-softmax agreeing with the log of softmax, the two temperature limits, a
 * mask being the same as -inf entries, and every kind of host memory giving the same bits. Each
 * runs on the machine's OpenCL device with the default engine, in float32 and float64, on random
 * shapes (1..50 rows, 1..3000 columns, half of them at lengths around 16, 32, 64 and 256). Every
 * result is held to the CPU reference, or to an exact answer, under the stated tolerances
 * (reference.Tolerance): a relation between two results that are wrong the same way proves nothing.
 *
 * Cases come from fixed seeds, so CI runs the same cases every time; a case's name is its arguments
 * (type, shape, seed), all it takes to rerun it. -Dsoftmaxcl.properties.seed=N draws other cases
 * and -Dsoftmaxcl.properties.tries=N more of them, for exploring on a developer's machine.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import io.github.softmaxcl.reference.ReferenceFamily;
import io.github.softmaxcl.reference.Tolerance;
import io.github.softmaxcl.reference.FamilyCheck;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestExecutionExceptionHandler;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@ExtendWith(SoftmaxPropertiesTest.NamesTheCase.class)
class SoftmaxPropertiesTest {
    private static final long SEED = Long.getLong("softmaxcl.properties.seed", 20261201L);
    private static final int TRIES = Integer.getInteger("softmaxcl.properties.tries", 12);
    /** Lengths where kernels change shape: vector widths, tiles, work-group sizes, and their neighbours. */
    private static final int[] AROUND = {1, 2, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257};
    private static final String NAME = "{0} {1}x{2} seed {3}";

    private SoftmaxEngine engine;

    @BeforeAll
    void open() {
        try {
            engine = SoftmaxEngine.builder().tuning(false).build();
        } catch (OpenClUnavailableException e) {
            fail("OpenCL device tests cannot run: " + e.getMessage(), e);
        }
    }

    @AfterAll
    void close() {
        if (engine != null) {
            engine.close();
        }
    }

    /** TRIES cases for one property, alternating float32 and float64; every other pair at a length in AROUND. */
    private static List<Arguments> cases(int property) {
        SplittableRandom r = new SplittableRandom(SEED * 1_000_003L + property);
        List<Arguments> out = new ArrayList<>();
        for (int i = 0; i < TRIES; i++) {
            ElementType type = i % 2 == 0 ? ElementType.FLOAT32 : ElementType.FLOAT64;
            int rows = 1 + r.nextInt(50);
            int cols = i % 4 < 2 ? AROUND[r.nextInt(AROUND.length)] : 1 + r.nextInt(3000);
            out.add(Arguments.of(type, rows, cols, r.nextLong() >>> 1));
        }
        return out;
    }

    static List<Arguments> referenceCases() {
        return cases(1);
    }

    static List<Arguments> rowSumCases() {
        return cases(2);
    }

    static List<Arguments> shiftCases() {
        return cases(3);
    }

    static List<Arguments> orderCases() {
        return cases(4);
    }

    static List<Arguments> logCases() {
        return cases(5);
    }

    static List<Arguments> coldCases() {
        return cases(6);
    }

    static List<Arguments> hotCases() {
        return cases(7);
    }

    static List<Arguments> maskCases() {
        return cases(8);
    }

    static List<Arguments> kindCases() {
        return cases(9);
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("referenceCases")
    void matchesReference(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Pattern p = Pattern.values()[r.nextInt(Pattern.values().length)];
        SoftmaxOp op = r.nextBoolean() ? SoftmaxOp.softmax() : SoftmaxOp.logSoftmax();
        double[] x = FamilyCheck.rounded(Inputs.doubles(p, rows, cols, r.nextLong()), type);
        assertMatchesReference(x, run(op, type, x, rows, cols), rows, cols, type, op, null, p + " " + op);
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("rowSumCases")
    void rowsSumToOne(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Pattern p = Pattern.values()[r.nextInt(Pattern.values().length)];
        double[] x = FamilyCheck.rounded(Inputs.doubles(p, rows, cols, r.nextLong()), type);
        double[] y = run(SoftmaxOp.softmax(), type, x, rows, cols);
        double allowed = Tolerance.of(type).rowSum();
        for (int row = 0; row < rows; row++) {
            int from = row * cols;
            // The semantics table: NaN or +inf anywhere, or nothing but -inf, makes the whole row NaN.
            boolean nanRow = IntStream.range(from, from + cols).anyMatch(i -> Double.isNaN(x[i]) || x[i] == Double.POSITIVE_INFINITY)
                    || IntStream.range(from, from + cols).allMatch(i -> x[i] == Double.NEGATIVE_INFINITY);
            // Summed exactly, so the check measures the device and not this loop's own rounding.
            BigDecimal sum = BigDecimal.ZERO;
            for (int i = from; i < from + cols; i++) {
                String at = p + " row " + row + ", col " + (i - from) + ": " + y[i];
                if (nanRow) {
                    assertTrue(Double.isNaN(y[i]), at + " in a row that must be all NaN");
                    continue;
                }
                assertTrue(y[i] >= 0 && y[i] <= 1, at + " is not a probability");
                if (x[i] == Double.NEGATIVE_INFINITY) {
                    assertTrue(y[i] == 0, at + " for a -inf input");
                }
                sum = sum.add(new BigDecimal(y[i]));
            }
            if (!nanRow) {
                double dev = sum.subtract(BigDecimal.ONE).abs().doubleValue();
                assertTrue(dev <= allowed, p + " row " + row + " sums to 1 " + (sum.signum() < 0 ? "-" : "+") + " " + dev
                        + ", allowed " + allowed);
            }
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("shiftCases")
    void shiftLeavesResultUnchanged(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SoftmaxOp op = r.nextBoolean() ? SoftmaxOp.softmax() : SoftmaxOp.logSoftmax();
        // softmax(x + c) = softmax(x) only where x + c is exact in the element type: logits on a grid of
        // 2^-8 (float32) or 2^-30 (float64) below 64 in magnitude, shifted by an integer below 10^4
        // or 10^6, need at most 23 or 51 significand bits.
        boolean f32 = type == ElementType.FLOAT32;
        double grid = f32 ? 0x1p-8 : 0x1p-30;
        double c = f32 ? r.nextInt(-10_000, 10_001) : r.nextInt(-1_000_000, 1_000_001);
        double[] normal = Inputs.doubles(Pattern.RANDOM, rows, cols, r.nextLong());
        double[] x = new double[normal.length];
        double[] shifted = new double[normal.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(20) == 0 ? Double.NEGATIVE_INFINITY : Math.max(-63, Math.min(63, Math.rint(normal[i] / grid) * grid));
            shifted[i] = x[i] + c;
        }
        assertArrayEquals(x, FamilyCheck.rounded(x, type), "x is not exact in " + type);
        assertArrayEquals(shifted, FamilyCheck.rounded(shifted, type), "the shift is not exact in " + type);
        double[] a = run(op, type, x, rows, cols);
        double[] b = run(op, type, shifted, rows, cols);
        assertMatchesReference(x, a, rows, cols, type, op, null, op + " of x");
        long[] shape = {rows, cols};
        double[] ref = ReferenceFamily.forward(x, shape, -1, op, null);
        // The reference subtracts the row maximum in double, where the shift is exact too, so its
        // result does not move: both device results answer to this same ref.
        assertArrayEquals(ref, ReferenceFamily.forward(shifted, shape, -1, op, null), "the reference moved with the shift");
        // a and b are each within the stated tolerance of the same ref, so they differ by at most twice
        // it. (On PoCL they are bit-identical, x - max being exact as well, but that is this
        // implementation, not the contract.)
        Tolerance tol = Tolerance.of(type, op.isLog() ? Tolerance.Kind.LOG : Tolerance.Kind.SOFTMAX);
        for (int i = 0; i < x.length; i++) {
            String at = op + " shifted by " + c + ", row " + i / cols + ", col " + i % cols + ": " + a[i] + " then " + b[i];
            if (!Double.isFinite(ref[i]) || x[i] == Double.NEGATIVE_INFINITY) {
                assertEquals(a[i], b[i], at); // NaN rows, and exactly 0 (or -inf) for -inf inputs
            } else {
                assertTrue(Math.abs(a[i] - b[i]) <= 2 * allowed(tol, ref[i]), at + ", reference " + ref[i]);
            }
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("orderCases")
    void orderIsPreserved(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SoftmaxOp op = r.nextBoolean() ? SoftmaxOp.softmax() : SoftmaxOp.logSoftmax();
        // Logits on a grid of 1/4 repeat often in a row, so ties are tested as well as order.
        double[] normal = Inputs.doubles(Pattern.RANDOM, rows, cols, r.nextLong());
        double[] x = new double[normal.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextInt(20) == 0 ? Double.NEGATIVE_INFINITY : Math.rint(normal[i] * 4) / 4;
        }
        double[] y = run(op, type, x, rows, cols);
        assertMatchesReference(x, y, rows, cols, type, op, null, op.toString());
        for (int row = 0; row < rows; row++) {
            int from = row * cols;
            if (IntStream.range(from, from + cols).allMatch(i -> x[i] == Double.NEGATIVE_INFINITY)) {
                continue; // all NaN, checked by the reference comparison
            }
            // Consecutive pairs in input order; transitivity covers every other pair.
            Integer[] order = IntStream.range(from, from + cols).boxed().toArray(Integer[]::new);
            Arrays.sort(order, Comparator.comparingDouble(i -> x[i]));
            for (int k = 1; k < order.length; k++) {
                int lo = order[k - 1];
                int hi = order[k];
                String at = op + " row " + row + ": x " + x[lo] + " -> " + y[lo] + " (col " + (lo - from) + "), x " + x[hi]
                        + " -> " + y[hi] + " (col " + (hi - from) + ")";
                if (x[lo] == x[hi]) {
                    // Equal logits go through the same operations: the same bits, not merely close.
                    assertEquals(Double.doubleToRawLongBits(y[lo]), Double.doubleToRawLongBits(y[hi]), at);
                } else {
                    // Not strictly: both may underflow to 0, or round to the same value.
                    assertTrue(y[lo] <= y[hi], at);
                }
            }
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("logCases")
    void logSoftmaxIsLogOfSoftmax(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Pattern p = Pattern.values()[r.nextInt(Pattern.values().length)];
        double[] x = FamilyCheck.rounded(Inputs.doubles(p, rows, cols, r.nextLong()), type);
        double[] probs = run(SoftmaxOp.softmax(), type, x, rows, cols);
        double[] logs = run(SoftmaxOp.logSoftmax(), type, x, rows, cols);
        assertMatchesReference(x, probs, rows, cols, type, SoftmaxOp.softmax(), null, p + " softmax");
        long[] shape = {rows, cols};
        double[] refP = ReferenceFamily.forward(x, shape, -1, SoftmaxOp.softmax(), null);
        double[] refL = ReferenceFamily.forward(x, shape, -1, SoftmaxOp.logSoftmax(), null);
        Tolerance tolP = Tolerance.of(type, Tolerance.Kind.SOFTMAX);
        Tolerance tolL = Tolerance.of(type, Tolerance.Kind.LOG);
        for (int i = 0; i < x.length; i++) {
            double l = logs[i];
            double pr = refP[i];
            String at = p + " row " + i / cols + ", col " + i % cols + ": log-softmax " + l + ", softmax " + probs[i]
                    + ", reference " + pr;
            if (Double.isNaN(pr)) {
                assertTrue(Double.isNaN(l), at);
                continue;
            }
            if (x[i] == Double.NEGATIVE_INFINITY) {
                assertEquals(Double.NEGATIVE_INFINITY, l, at);
                continue;
            }
            // With P within max(abs, rel p) of p = refP, P/p lies in [1 - e, 1 + e] for
            // e = max(abs / p, rel), so |log P - log p| <= -log(1 - e); with L within the stated
            // log-softmax tolerance of refL, |L - log P| <= tolL(refL) + |refL - log p| + that.
            // Where e >= 1 the stated softmax tolerance lets P be 0: nothing bounds its log.
            double e = pr >= tolP.relFloor() ? Math.max(tolP.abs() / pr, tolP.rel()) : tolP.abs() / pr;
            if (e < 1) {
                double bound = allowed(tolL, refL[i]) + Math.abs(refL[i] - Math.log(pr)) - Math.log1p(-e);
                assertTrue(Math.abs(l - Math.log(probs[i])) <= bound, at + ": differs from the log of softmax by "
                        + Math.abs(l - Math.log(probs[i])) + ", allowed " + bound);
            }
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("coldCases")
    void coldTemperatureGivesArgmaxOneHot(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = Inputs.doubles(Pattern.RANDOM, rows, cols, r.nextLong());
        int[] argmax = new int[rows];
        for (int row = 0; row < rows; row++) {
            int from = row * cols;
            argmax[row] = r.nextInt(cols);
            double others = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < cols; c++) {
                others = c == argmax[row] ? others : Math.max(others, x[from + c]);
            }
            x[from + argmax[row]] = cols == 1 ? x[from] : others + 1 + r.nextDouble(0.01, 4);
        }
        x = FamilyCheck.rounded(x, type);
        // A gap above 1 becomes one above 1000 at T = 1e-3: exp(-1000) is 0 in both precisions, so the
        // exact answer is the one-hot row, and the device must reach it within the stated tolerance.
        SoftmaxOp op = SoftmaxOp.softmax().withTemperature(1e-3);
        double[] y = run(op, type, x, rows, cols);
        Tolerance tol = Tolerance.of(type);
        for (int i = 0; i < x.length; i++) {
            double expected = i % cols == argmax[i / cols] ? 1 : 0;
            assertTrue(tol.accepts(y[i], expected), "row " + i / cols + ", col " + i % cols + ": " + y[i] + ", expected "
                    + expected + " (argmax at col " + argmax[i / cols] + ")");
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("hotCases")
    void hotTemperatureGivesUniformRows(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[] x = new double[rows * cols];
        for (int i = 0; i < x.length; i++) {
            x[i] = r.nextDouble(-1, 1);
        }
        x = FamilyCheck.rounded(x, type);
        // With logits spread over s = 2, each probability is within a factor exp(+-s/T) of 1/cols. That
        // must sit well inside the stated relative tolerance for "uniform within tolerance" to be a
        // property of softmax and not of the limit: T = 1e6 gives s/T = 2e-6, a tenth of float32's
        // 2e-5; float64's 1e-12 needs T = 1e14 (s/T = 2e-14) for the same margin.
        double t = type == ElementType.FLOAT32 ? 1e6 : 1e14;
        double[] y = run(SoftmaxOp.softmax().withTemperature(t), type, x, rows, cols);
        Tolerance tol = Tolerance.of(type);
        for (int i = 0; i < x.length; i++) {
            assertTrue(tol.accepts(y[i], 1.0 / cols), "T " + t + ", row " + i / cols + ", col " + i % cols + ": " + y[i]
                    + ", expected 1/" + cols);
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("maskCases")
    void maskEqualsMinusInfinity(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        SoftmaxOp op = (r.nextBoolean() ? SoftmaxOp.softmax() : SoftmaxOp.logSoftmax())
                .withMaskedRows(r.nextBoolean() ? MaskedRows.NAN : MaskedRows.ZERO);
        double[] x = FamilyCheck.rounded(Inputs.doubles(Pattern.RANDOM, rows, cols, r.nextLong()), type);
        boolean broadcast = r.nextInt(3) == 0;
        double density = new double[] {0.05, 0.3, 0.9}[r.nextInt(3)];
        byte[] keep = new byte[broadcast ? cols : x.length];
        for (int row = 0; row < keep.length / cols; row++) {
            // Whole rows masked now and then (1 in 8 rows of a full mask): the masked-row policy applies.
            boolean rowOff = !broadcast && r.nextInt(8) == 0;
            for (int c = 0; c < cols; c++) {
                keep[row * cols + c] = (byte) (rowOff || r.nextDouble() < density ? 0 : 1);
            }
        }
        double[] minusInf = x.clone();
        for (int i = 0; i < x.length; i++) {
            if (keep[broadcast ? i % cols : i] == 0) {
                minusInf[i] = Double.NEGATIVE_INFINITY;
            }
        }
        SoftmaxOp masked = op.withMask(keep);
        double[] a = run(masked, type, x, rows, cols);
        double[] b = run(op, type, minusInf, rows, cols);
        assertMatchesReference(x, a, rows, cols, type, op, keep, masked.toString());
        // The kernels read a masked entry as -inf and compute on from there, so the two are not merely
        // close: every bit is the same, NaN payloads included.
        for (int i = 0; i < x.length; i++) {
            assertEquals(Double.doubleToRawLongBits(a[i]), Double.doubleToRawLongBits(b[i]), masked + ", row " + i / cols
                    + ", col " + i % cols + ": " + a[i] + " with the mask, " + b[i] + " with -inf");
        }
    }

    @ParameterizedTest(name = NAME)
    @MethodSource("kindCases")
    void everyHostKindGivesTheSameBits(ElementType type, int rows, int cols, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        Pattern p = Pattern.values()[r.nextInt(Pattern.values().length)];
        SoftmaxOp op = r.nextBoolean() ? SoftmaxOp.softmax() : SoftmaxOp.logSoftmax();
        double[] x = FamilyCheck.rounded(Inputs.doubles(p, rows, cols, r.nextLong()), type);
        long[] shape = {rows, cols};
        double[] nan = new double[x.length];
        Arrays.fill(nan, Double.NaN);
        DataKind[] kinds = {DataKind.ARRAY, DataKind.HEAP_BUFFER, DataKind.DIRECT};
        double[][] y = new double[kinds.length][];
        for (int k = 0; k < kinds.length; k++) {
            DataKind.Made in = kinds[k].make(engine, x, type, shape, true);
            DataKind.Made out = kinds[k].make(engine, nan, type, shape, false);
            engine.forward(in.tensor(), out.tensor(), op);
            y[k] = out.read();
        }
        assertMatchesReference(x, y[0], rows, cols, type, op, null, p + " " + op + " from an array");
        for (int k = 1; k < kinds.length; k++) {
            for (int i = 0; i < x.length; i++) {
                assertEquals(Double.doubleToRawLongBits(y[0][i]), Double.doubleToRawLongBits(y[k][i]), p + " " + op + ", row "
                        + i / cols + ", col " + i % cols + ": " + y[0][i] + " from an array, " + y[k][i] + " from " + kinds[k]);
            }
        }
    }

    /**
     * Puts the case (type, shape, seed) in front of a failure: surefire reports a parameterized test
     * by its index only, and a failing case nobody can rerun is half a finding.
     */
    static final class NamesTheCase implements TestExecutionExceptionHandler {
        @Override
        public void handleTestExecutionException(ExtensionContext context, Throwable t) throws Throwable {
            throw new AssertionError(context.getDisplayName() + ": " + t.getMessage(), t);
        }
    }

    /** The largest difference the stated tolerance allows from a reference value r. */
    private static double allowed(Tolerance t, double r) {
        return Math.max(t.abs(), Math.abs(r) >= t.relFloor() ? t.rel() * Math.abs(r) : 0);
    }

    private static void assertMatchesReference(double[] x, double[] y, int rows, int cols, ElementType type, SoftmaxOp op,
            byte[] mask, String what) {
        Comparison c = FamilyCheck.compareForward(x, y, new long[] {rows, cols}, -1, type, op, mask);
        if (!c.passed()) {
            fail(what + ": " + c);
        }
    }

    /**
     * y = op(x) through direct buffers, whose output starts as NaN: on devices that share memory with
     * the host (PoCL) the kernels write straight into it, so an element no kernel writes stays NaN
     * instead of showing a stale value from an earlier call, which could make two results agree.
     */
    private double[] run(SoftmaxOp op, ElementType type, double[] x, int rows, int cols) {
        int n = x.length;
        ByteBuffer in = ByteBuffer.allocateDirect(n * type.bytes()).order(ByteOrder.nativeOrder());
        ByteBuffer out = ByteBuffer.allocateDirect(n * type.bytes()).order(ByteOrder.nativeOrder());
        double[] y = new double[n];
        if (type == ElementType.FLOAT32) {
            FloatBuffer fi = in.asFloatBuffer();
            FloatBuffer fo = out.asFloatBuffer();
            for (int i = 0; i < n; i++) {
                fi.put(i, (float) x[i]);
                fo.put(i, Float.NaN);
            }
            engine.forward(HostTensor.of(fi, rows, cols), HostTensor.of(fo, rows, cols), op);
            for (int i = 0; i < n; i++) {
                y[i] = fo.get(i);
            }
        } else {
            DoubleBuffer di = in.asDoubleBuffer();
            DoubleBuffer dout = out.asDoubleBuffer();
            for (int i = 0; i < n; i++) {
                di.put(i, x[i]);
                dout.put(i, Double.NaN);
            }
            engine.forward(HostTensor.of(di, rows, cols), HostTensor.of(dout, rows, cols), op);
            dout.get(0, y);
        }
        return y;
    }
}
