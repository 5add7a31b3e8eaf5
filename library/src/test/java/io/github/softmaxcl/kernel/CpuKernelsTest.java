/*
 * The CPU (vector) variants' own arithmetic: the polynomial exp of softmax_exp.clh against the exact
 * exp, the vector variants with either exp against the reference, VECTOR's block-by-block path for
 * long rows and CHUNKS' fold of its chunks' (max, sum) pairs on inputs that put every special case in
 * a block or chunk of its own, and the shared max-and-exp pass (REFERENCE MAX in softmax_cpu.clh) on
 * rows that rise far above their reference, out of place and in place. The bounds stated in the header
 * (within 1 ulp for -87.3365 <= t <= 60, and 5 ulps for the shorter exp of the partial sums; exactly +0
 * below, exact 0 / NaN / 1 for -inf / NaN / +-0) are checked on every 61st float32 from -0 down to -inf
 * (35 million arguments, every binade, every low-bit pattern), on every 61st from +0 up to 60 and on
 * every float near the cutoff, for the scalar and the vector form, which must also agree bit for bit:
 * the kernels mix them (tails, tiles) and a result must not depend on which lane computed it. The exp
 * for sums has only a vector form; its "scalar" is lane 0 of the vector exp of a broadcast argument.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClProgram;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.reference.Inputs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import org.jocl.CL;
import org.jocl.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

class CpuKernelsTest extends ClTest {
    /** EXPP_MIN of softmax_exp.clh: the float nearest ln(2^-126). */
    private static final float CUTOFF = -0x1.5d58a0p+6f;
    /** HEADROOM of softmax_cpu.clh: how far above its reference max a pass may take an exp. */
    private static final float HEADROOM = 60f;
    private static final int BATCH = 1 << 22;
    private static final String CHECK = """
            #ifdef SUM_EXP
            #define EXP_V exp_sum_poly_v
            #define EXP_S(x) exp_sum_poly_v((realv)(x)).s0
            #else
            #define EXP_V exp_poly_v
            #define EXP_S exp_poly
            #endif
            __kernel void exp_check(__global const float *t, __global float *ys, __global float *yv) {
                const size_t g = get_global_id(0);
                CAT(vstore, VEC)(EXP_V(CAT(vload, VEC)(g, t)), g, yv);
                for (int i = 0; i < VEC; i++) {
                    ys[g * VEC + i] = EXP_S(t[g * VEC + i]);
                }
            }
            """;

    /** An exp of softmax_exp.clh: the build option that makes the check kernel call it, and its stated bound. */
    private enum Exp {
        POLY("", 1.0),
        SUM("-DSUM_EXP", 5.0);

        final String options;
        final double ulps;

        Exp(String options, double ulps) {
            this.options = options;
            this.ulps = ulps;
        }
    }

    /** The largest error in ulps of exp {@code e} over the arguments, after checking the exact cases. */
    private double check(Exp e, float[] args, int vec) {
        String source = KernelSource.load("softmax_exp.clh") + "\n" + CHECK;
        int n = (args.length + 1023) / 1024 * 1024; // whole work-groups of 64 work-items
        float[] t = Arrays.copyOf(args, n);
        Arrays.fill(t, args.length, n, -0.0f);
        ByteBuffer in = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        in.asFloatBuffer().put(t);
        ByteBuffer ys = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        ByteBuffer yv = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        try (ClProgram p = ClProgram.build(cl.context, "exp_check", source,
                        "-DEXP_POLY -DVEC=" + vec + " " + e.options);
                ClKernel k = new ClKernel(p, "exp_check");
                ClBuffer tb = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_ONLY, n * 4L);
                ClBuffer sb = ClBuffer.allocate(cl.context, CL.CL_MEM_WRITE_ONLY, n * 4L);
                ClBuffer vb = ClBuffer.allocate(cl.context, CL.CL_MEM_WRITE_ONLY, n * 4L)) {
            tb.write(cl.queue, 0, n * 4L, Pointer.to(in));
            k.arg(0, tb).arg(1, sb).arg(2, vb);
            k.enqueue(cl.queue, n / vec, 64, false);
            sb.read(cl.queue, 0, n * 4L, Pointer.to(ys));
            vb.read(cl.queue, 0, n * 4L, Pointer.to(yv));
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
            float s = ys.getFloat(i * 4);
            float v = yv.getFloat(i * 4);
            if (Float.floatToRawIntBits(s) != Float.floatToRawIntBits(v)) {
                fail("exp(" + t[i] + "): scalar " + s + " and vector " + v + " differ (VEC=" + vec + ")");
            }
            worst = Math.max(worst, ulps(t[i], s));
        }
        return worst;
    }

    /** Error of y = exp(t) in ulps of the exact result, or a failure for a wrong exact case. */
    private static double ulps(float t, float y) {
        if (Float.isNaN(t)) {
            assertTrue(Float.isNaN(y), "exp(NaN) must be NaN, got " + y);
            return 0;
        }
        if (t < CUTOFF) { // includes -inf
            assertEquals(0, Float.floatToRawIntBits(y), "exp(" + t + ") below the cutoff must be +0, got " + y);
            return 0;
        }
        double exact = Math.exp(t);
        if (t == 0) {
            assertEquals(1.0f, y, "exp(" + t + ")");
        }
        return Math.abs(y - exact) / Math.ulp((float) exact);
    }

    private static float[] batch(long from, long stride, long to) {
        int n = (int) Math.min(BATCH, (to - from) / stride + 1);
        float[] t = new float[n];
        for (int i = 0; i < n; i++) {
            t[i] = Float.intBitsToFloat((int) (from + i * stride));
        }
        return t;
    }

    /** The largest error in ulps over every 61st float bit pattern from {@code first} to {@code last}. */
    private double sweep(Exp e, long first, long last, long atLeast) {
        long stride = 61;
        double worst = 0;
        long checked = 0;
        for (long from = first; from <= last; from += (long) BATCH * stride) {
            float[] t = batch(from, stride, last);
            worst = Math.max(worst, check(e, t, 16));
            checked += t.length;
        }
        assertTrue(checked > atLeast, "swept " + checked + " arguments");
        return worst;
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Exp.class)
    void withinTheStatedUlpsOfExpForEveryArgumentSoftmaxPasses(Exp e) {
        double worst = sweep(e, 0x80000000L, 0xFF800000L, 35_000_000); // -0 down to -inf
        assertTrue(worst <= e.ulps, "largest error " + worst + " ulp exceeds the stated " + e.ulps);
    }

    @ParameterizedTest(name = "{0}")
    @EnumSource(Exp.class)
    void withinTheStatedUlpsOfExpAboveZeroUpToTheHeadroom(Exp e) {
        double worst = sweep(e, 0, Float.floatToRawIntBits(HEADROOM), 17_000_000); // +0 up to HEADROOM
        float[] edge = {HEADROOM, Math.nextDown(HEADROOM), 1, Float.MIN_VALUE, Float.MIN_NORMAL, 0.5f, 20, 44.5f};
        worst = Math.max(worst, check(e, edge, 8));
        assertTrue(worst <= e.ulps, "largest error " + worst + " ulp exceeds the stated " + e.ulps);
    }

    @ParameterizedTest(name = "{0} VEC={1}")
    @CsvSource({"POLY, 4", "POLY, 8", "POLY, 16", "SUM, 4", "SUM, 8", "SUM, 16"})
    void exactCasesAndEveryFloatNearTheCutoffInEveryVectorWidth(Exp e, int vec) {
        int near = 1 << 16;
        float[] t = new float[near + 16];
        int c = Float.floatToRawIntBits(CUTOFF);
        for (int i = 0; i < near; i++) {
            t[i] = Float.intBitsToFloat(c - near / 2 + i); // both sides of the cutoff, every float
        }
        float[] special = {Float.NEGATIVE_INFINITY, Float.NaN, Float.intBitsToFloat(0xFFC00001), -0.0f, 0.0f,
            -Float.MIN_VALUE, -Float.MIN_NORMAL, -Float.MAX_VALUE, -1e-30f, -1e30f, CUTOFF, Math.nextUp(CUTOFF),
            Math.nextDown(CUTOFF), -87.68f, -88.0f, -103.97f};
        System.arraycopy(special, 0, t, near, special.length);
        assertTrue(check(e, t, vec) <= e.ulps);
    }

    /** Every variant with a polynomial exp, with that exp and with the built-in one, against the reference. */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Variant.class, names = {"TILE", "VECTOR", "CHUNKS"})
    void vectorVariantsMatchTheReferenceWithEitherExp(Variant v) {
        SoftmaxOp[] ops = {SoftmaxOp.softmax(), SoftmaxOp.logSoftmax(),
            SoftmaxOp.softmax().withTemperature(0.7).withMaskedRows(MaskedRows.ZERO)};
        int cols = v == Variant.TILE ? 10 : 1003;
        int rows = 67;
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.BFLOAT16}) {
            for (Inputs.Pattern pattern : Inputs.Pattern.values()) {
                double[] x = FamilyCheck.rounded(Inputs.doubles(pattern, rows, cols, 5), t);
                for (SoftmaxOp o : ops) {
                    Plan planned = Planner.configure(v, rows, cols, t, cl.device, v == Variant.CHUNKS ? 3 : 0,
                            Tunables.DEFAULTS);
                    assertTrue(planned.polyExp(), "the planner's default for " + v + " " + t);
                    for (boolean poly : new boolean[] {true, false}) {
                        double[] y = run(planned.withPolyExp(poly), o, x, rows, cols, t);
                        Comparison c = FamilyCheck.compareForward(x, y, new long[] {rows, cols}, -1, t, o, null);
                        assertTrue(c.passed(), v + " poly=" + poly + " " + t + " " + pattern + " " + o + ": " + c);
                    }
                }
            }
        }
    }

    /**
     * Rows of more than 256 vectors go block by block (softmax_vector.cl, long_row): one block all
     * -inf, one far below the row's max, one with the max, one partial; then NaN, +inf, all -inf and
     * masked-out rows, where whole rows must come out exactly as the non-finite rules say.
     */
    @Test
    void longRowsBlockByBlockMatchTheReference() {
        int vec = Planner.defaultVec(ElementType.FLOAT32);
        for (int cols : new int[] {vec * 300 + 5, vec * (64 * 256 + 100) + 7}) {
            int rows = 7;
            double[] x = Inputs.doubles(Inputs.Pattern.RANDOM, rows, cols, 9);
            int blk = Math.max(256, (cols / vec + 63) / 64) * vec; // elements per block, as the kernel has it
            for (int c = 0; c < blk; c++) {
                x[c] = Double.NEGATIVE_INFINITY; // row 0: its first block all -inf
                x[cols + c] -= 200; // row 1: its first block far below the rest
            }
            x[2 * cols + cols - 3] = 80; // row 2: the max in the partial tail
            x[3 * cols + blk + 5] = Double.NaN; // row 3: NaN in the second block
            x[4 * cols + 2 * blk - 1] = Double.POSITIVE_INFINITY; // row 4: +inf at a block's end
            for (int c = 0; c < cols; c++) {
                x[5 * cols + c] = Double.NEGATIVE_INFINITY; // row 5: all -inf
            }
            x[6 * cols] = 1e30; // row 6: one huge entry, every other exp underflows
            double[] xf = FamilyCheck.rounded(x, ElementType.FLOAT32);
            SoftmaxOp[] ops = {SoftmaxOp.softmax(), SoftmaxOp.softmax().withMaskedRows(MaskedRows.ZERO),
                SoftmaxOp.softmax().withTemperature(3)};
            for (SoftmaxOp o : ops) {
                Plan plan = Planner.configure(Variant.VECTOR, rows, cols, ElementType.FLOAT32, cl.device, 0,
                        Tunables.DEFAULTS);
                for (boolean poly : new boolean[] {true, false}) {
                    double[] y = run(plan.withPolyExp(poly), o, xf, rows, cols, ElementType.FLOAT32);
                    Comparison c = FamilyCheck.compareForward(xf, y, new long[] {rows, cols}, -1,
                            ElementType.FLOAT32, o, null);
                    assertTrue(c.passed(), cols + " poly=" + poly + " " + o + ": " + c);
                }
            }
        }
    }

    /**
     * The shared max-and-exp pass (REFERENCE MAX in softmax_cpu.clh) on rows that rise far above the
     * reference their exps start from, so that blocks are taken again against their own max: a ramp
     * that passes HEADROOM within every block, a jump after a low first vector, a first vector all
     * -inf, +inf and NaN after a low start, and a jump at a block's end. VECTOR on short and long rows
     * and CHUNKS, in every element type, float32 with either exp; in place (where VECTOR cannot keep
     * its first exps) it must give the same bits.
     */
    @ParameterizedTest(name = "{0}")
    @EnumSource(value = Variant.class, names = {"VECTOR", "CHUNKS"})
    void rowsRisingFarAboveTheirReferenceMatchTheReference(Variant v) {
        int rows = 6;
        for (int cols : new int[] {1003, 16 * 300 + 5}) {
            double[] x = Inputs.doubles(Inputs.Pattern.RANDOM, rows, cols, 21);
            for (int c = 0; c < cols; c++) {
                x[c] = 0.25 * c - 100; // row 0: a ramp, 64 per 16 vectors of 16
            }
            for (int c = 0; c < 16; c++) {
                x[cols + c] = -1000; // row 1: a low first vector, then the random rest
                x[2 * cols + c] = Double.NEGATIVE_INFINITY; // row 2: the first vector all -inf
                x[3 * cols + c] = -500; // row 3: a low start, then +inf
                x[4 * cols + c] = -500; // row 4: a low start, then NaN
            }
            x[3 * cols + cols / 2] = Double.POSITIVE_INFINITY;
            x[4 * cols + cols - 20] = Double.NaN;
            x[5 * cols + (cols > 16 * 256 ? 16 * 256 - 1 : cols / 3)] = 90; // row 5: a jump (at the end of a long row's first block)
            SoftmaxOp[] ops = {SoftmaxOp.softmax(), SoftmaxOp.logSoftmax(),
                SoftmaxOp.softmax().withTemperature(0.7).withMaskedRows(MaskedRows.ZERO)};
            for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64, ElementType.BFLOAT16}) {
                double[] xt = FamilyCheck.rounded(x, t);
                Plan plan = Planner.configure(v, rows, cols, t, cl.device, v == Variant.CHUNKS ? 3 : 0,
                        Tunables.DEFAULTS);
                for (SoftmaxOp o : ops) {
                    for (boolean poly : t == ElementType.FLOAT64 ? new boolean[] {false} : new boolean[] {true, false}) {
                        String what = v + " " + cols + " " + t + " poly=" + poly + " " + o;
                        checkOutAndInPlace(what, plan.withPolyExp(poly), o, xt, null, rows, cols, t);
                    }
                }
            }
        }
    }

    /**
     * CHUNKS folds its rows' chunk maxima and sums (softmax_chunks.cl, fold_chunk_pairs) a vector at a
     * time, then a scalar tail, on inputs that put each special case in a chunk of its own: 4 chunks a
     * row (all in the tail; the last one empty at 9 columns) and 35 (vectors and a tail, with empty
     * chunks in both at 9 columns), float32 with either exp and float64, with and without a mask that
     * takes out a whole chunk and a whole row; in place (x and y one buffer) it must give the same bits.
     */
    @Test
    void chunksWithEverySpecialCaseInAChunkOfItsOwnMatchTheReference() {
        int rows = 9;
        for (int split : new int[] {4, 35}) {
            for (int cols : new int[] {9, 4007}) {
                int chunk = (cols + split - 1) / split;
                int filled = (cols + chunk - 1) / chunk; // chunks holding at least one column
                int middle = Math.min(split / 2, filled - 2); // in the fold's vectors at split 35 and 4007 columns
                int late = filled - 2; // in its tail there
                double[] x = Inputs.doubles(Inputs.Pattern.RANDOM, rows, cols, 13);
                for (int c = 0; c < chunk; c++) {
                    x[c] = Double.NEGATIVE_INFINITY; // row 0: its first chunk all -inf
                    x[cols + c] -= 200; // row 1: its first chunk far below the rest (its factor underflows)
                }
                x[2 * cols + cols - 1] = 80; // row 2: the max in the last chunk's last column
                x[3 * cols + late * chunk + chunk / 2] = Double.NaN; // row 3: NaN in a late chunk
                x[4 * cols + (middle + 1) * chunk - 1] = Double.POSITIVE_INFINITY; // row 4: +inf at a chunk's end
                for (int c = 0; c < cols; c++) {
                    x[5 * cols + c] = Double.NEGATIVE_INFINITY; // row 5: all -inf
                }
                x[6 * cols + middle * chunk] = 1e30; // row 6: one huge entry, every other exp underflows
                byte[] mask = new byte[rows * cols];
                Arrays.fill(mask, (byte) 1);
                Arrays.fill(mask, 7 * cols + late * chunk, 7 * cols + (late + 1) * chunk, (byte) 0); // row 7: a chunk
                Arrays.fill(mask, 8 * cols, 9 * cols, (byte) 0); // row 8: all masked
                SoftmaxOp[] ops = {SoftmaxOp.softmax(), SoftmaxOp.softmax().withMaskedRows(MaskedRows.ZERO),
                    SoftmaxOp.softmax().withTemperature(3), SoftmaxOp.logSoftmax().withMaskedRows(MaskedRows.ZERO)};
                for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64}) {
                    double[] xt = FamilyCheck.rounded(x, t);
                    Plan plan = Planner.configure(Variant.CHUNKS, rows, cols, t, cl.device, split, Tunables.DEFAULTS);
                    for (SoftmaxOp o : ops) {
                        for (byte[] m : new byte[][] {null, mask}) {
                            for (boolean poly : t == ElementType.FLOAT32 ? new boolean[] {true, false}
                                    : new boolean[] {false}) {
                                String what = split + " chunks of " + cols + " " + t + " poly=" + poly + " " + o
                                        + (m == null ? "" : " masked");
                                checkOutAndInPlace(what, plan.withPolyExp(poly), o, xt, m, rows, cols, t);
                            }
                        }
                    }
                }
            }
        }
    }

    @Test
    void float64AndTheGpuVariantsKeepTheBuiltinExp() {
        for (Variant v : Variant.values()) {
            for (ElementType t : ElementType.values()) {
                boolean has = Planner.hasPolyExp(v, t);
                assertEquals(v.isVector() && t != ElementType.FLOAT64, has, v + " " + t);
                if (!has) {
                    Plan p = new Plan(v, t, 16, 1, 1, 1, 1, 0);
                    assertTrue(!p.polyExp() && !p.buildOptions().contains("EXP_POLY"), p.toString());
                    try {
                        p.withPolyExp(true);
                        fail("a polynomial exp for " + v + " " + t);
                    } catch (IllegalArgumentException e) {
                        assertTrue(e.getMessage().contains(v.name()), e.getMessage());
                    }
                }
            }
        }
    }

    /** The plan out of place against the reference, then in place, which must give the same bits. */
    private void checkOutAndInPlace(String what, Plan plan, SoftmaxOp o, double[] x, byte[] mask, int rows, int cols,
            ElementType t) {
        double[] y = run(plan, o, x, mask, rows, cols, t, false);
        Comparison c = FamilyCheck.compareForward(x, y, new long[] {rows, cols}, -1, t, o, mask);
        assertTrue(c.passed(), what + ": " + c);
        double[] inPlace = run(plan, o, x, mask, rows, cols, t, true);
        for (int i = 0; i < y.length; i++) {
            if (Double.doubleToRawLongBits(y[i]) != Double.doubleToRawLongBits(inPlace[i])) {
                fail(what + ": in place gives " + inPlace[i] + " at " + i + ", not " + y[i]);
            }
        }
    }

    private double[] run(Plan plan, SoftmaxOp o, double[] x, long rows, long cols, ElementType t) {
        return run(plan, o, x, null, rows, cols, t, false);
    }

    /** One launch of the plan on x (float32, float64 or bfloat16), with a full-shape mask or none, into y or in place. */
    private double[] run(Plan plan, SoftmaxOp o, double[] x, byte[] mask, long rows, long cols, ElementType t,
            boolean inPlace) {
        Features f = new Features(o.isLog(), 1.0 / o.temperature(), mask != null, o.maskedRows() == MaskedRows.ZERO);
        long bytes = x.length * (long) t.bytes();
        ByteBuffer in = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        for (double d : x) {
            switch (t) {
                case FLOAT64 -> in.putDouble(d);
                case FLOAT32 -> in.putFloat((float) d);
                default -> in.putShort((short) (Float.floatToRawIntBits((float) d) >>> 16));
            }
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        try (SoftmaxLauncher l = new SoftmaxLauncher(cl.context, cl.queue, cl.programs, cl.device, Long.MAX_VALUE);
                ClBuffer xb = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_WRITE, bytes);
                ClBuffer yb = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_WRITE, bytes);
                ClBuffer mb = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_ONLY, mask == null ? 1 : mask.length)) {
            xb.write(cl.queue, 0, bytes, Pointer.to(in.flip()));
            byte[] ones = new byte[(int) bytes]; // NaN in every element type: an element no kernel wrote shows
            Arrays.fill(ones, (byte) -1);
            yb.write(cl.queue, 0, bytes, Pointer.to(ByteBuffer.allocateDirect(ones.length).put(ones).flip()));
            if (mask != null) {
                mb.write(cl.queue, 0, mask.length, Pointer.to(ByteBuffer.allocateDirect(mask.length).put(mask).flip()));
            }
            ClBuffer target = inPlace ? xb : yb;
            List<ClEvent> events = l.enqueue(plan, f, xb, target, rows, cols, mask == null ? null : mb,
                    mask == null ? 0 : cols, false);
            events.forEach(ClEvent::close);
            target.read(cl.queue, 0, bytes, Pointer.to(out));
        }
        double[] y = new double[x.length];
        for (int i = 0; i < y.length; i++) {
            y[i] = switch (t) {
                case FLOAT64 -> out.getDouble(i * 8);
                case FLOAT32 -> out.getFloat(i * 4);
                default -> Float.intBitsToFloat((out.getShort(i * 2) & 0xFFFF) << 16);
            };
        }
        return y;
    }
}
