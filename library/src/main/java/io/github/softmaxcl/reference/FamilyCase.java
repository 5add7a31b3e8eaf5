/*
 * The softmax-family cases of `softmax verify`: log-softmax, temperature, full and broadcast masks,
 * masked-row zeros, any axis, float16 and bfloat16 storage, and gradients, each on adversarial
 * inputs, run on every engine variant that can run it and compared with the double reference.
 */
package io.github.softmaxcl.reference;

import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.ElementType;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One family case.
 *
 * @param name what it checks
 * @param shape the array's shape
 * @param axis the softmax axis
 * @param format storage format
 * @param options log, temperature, masked rows
 * @param mask none, FULL (the array's shape, some rows entirely masked) or ROW (one row, broadcast)
 * @param gradient check the gradient instead of the forward result
 */
public record FamilyCase(String name, long[] shape, int axis, ElementType format, SoftmaxOp options, MaskKind mask,
        boolean gradient) {

    /** The seed every verify input derives from, so a failing case can be re-run exactly. */
    public static final long SEED = 20240917L;

    /** Which mask a case uses. */
    public enum MaskKind { NONE, FULL, ROW }

    /**
     * @param quick the short list
     * @return the cases
     */
    public static List<FamilyCase> suite(boolean quick) {
        List<FamilyCase> out = new ArrayList<>();
        long[] rows = quick ? new long[] {48, 300} : new long[] {200, 1500};
        long[] nd = quick ? new long[] {6, 40, 33} : new long[] {16, 300, 65};
        SoftmaxOp s = SoftmaxOp.softmax();
        for (ElementType f : ElementType.values()) {
            String p = f.name().toLowerCase(Locale.ROOT) + " ";
            out.add(new FamilyCase(p + "softmax", rows, -1, f, s, MaskKind.NONE, false));
            out.add(new FamilyCase(p + "log-softmax", rows, -1, f, SoftmaxOp.logSoftmax(), MaskKind.NONE, false));
            out.add(new FamilyCase(p + "temperature 0.5", rows, -1, f, s.withTemperature(0.5), MaskKind.NONE, false));
            out.add(new FamilyCase(p + "mask", rows, -1, f, s, MaskKind.FULL, false));
            out.add(new FamilyCase(p + "mask row", rows, -1, f, SoftmaxOp.logSoftmax(), MaskKind.ROW, false));
            out.add(new FamilyCase(p + "masked rows zero", rows, -1, f, s.withMaskedRows(MaskedRows.ZERO),
                    MaskKind.FULL, false));
            out.add(new FamilyCase(p + "axis 0", nd, 0, f, s, MaskKind.NONE, false));
            out.add(new FamilyCase(p + "axis 1 log mask", nd, 1, f, SoftmaxOp.logSoftmax(), MaskKind.FULL, false));
            out.add(new FamilyCase(p + "gradient", rows, -1, f, s, MaskKind.NONE, true));
            out.add(new FamilyCase(p + "log gradient axis 1", nd, 1, f, SoftmaxOp.logSoftmax().withTemperature(2),
                    MaskKind.NONE, true));
        }
        return out;
    }

    private int elements() {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return (int) n;
    }

    /** @return rows x cols as the comparison sees them (one softmax vector per row) */
    public String shapeText() {
        return java.util.Arrays.toString(shape) + (axis == -1 ? "" : " axis " + axis);
    }

    /**
     * Runs this case on an engine.
     *
     * @param engine the engine
     * @return the comparison with the reference
     */
    public Comparison run(SoftmaxEngine engine) {
        int n = elements();
        long seed = SEED ^ name.hashCode();
        if (gradient) {
            double[] logits = Inputs.doubles(Inputs.Pattern.OUTLIERS, 1, n, seed);
            double[] y = FamilyCheck.rounded(ReferenceFamily.forward(logits, shape, axis, options.withTemperature(1),
                    null), format);
            double[] dy = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.RANDOM, 1, n, seed + 1), format);
            double[] dx = FamilyCheck.backward(engine, y, dy, shape, axis, format, options);
            return FamilyCheck.compareBackward(y, dy, dx, shape, axis, format, options);
        }
        double[] x = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.ADVERSARIAL, 1, n, seed), format);
        byte[] m = switch (mask) {
            case NONE -> null;
            case FULL -> mask(n, (int) shape[shape.length - 1], seed);
            case ROW -> mask((int) shape[shape.length - 1], (int) shape[shape.length - 1], seed);
        };
        double[] y = FamilyCheck.forward(engine, x, shape, axis, format, options, m);
        return FamilyCheck.compareForward(x, y, shape, axis, format, options, m);
    }

    /**
     * About 30% masked entries, and every seventh row masked entirely.
     *
     * @param n mask length
     * @param cols row length
     * @param seed random seed
     * @return the mask bytes (0 = masked)
     */
    public static byte[] mask(int n, int cols, long seed) {
        SplittableRandom rnd = new SplittableRandom(seed);
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) {
            m[i] = (byte) ((i / cols) % 7 == 3 || rnd.nextInt(10) < 3 ? 0 : 1);
        }
        return m;
    }
}
