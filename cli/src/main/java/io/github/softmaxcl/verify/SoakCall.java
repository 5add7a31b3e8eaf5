/*
 * One call of the soak (`verify --soak`): a random shape, element type, op and way into the public
 * API (engine calls, prepared primitives, the one-liners) on a random kind of memory, run on an
 * engine and checked against the double reference with the family tolerances. Outputs start as NaN,
 * so an element the device never writes fails; inputs must come back unchanged. Each call makes and
 * releases its own memory, device tensors included, so a call that leaks shows in the object count.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.reference.FamilyCase;
import io.github.softmaxcl.DeviceTensor;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.Tensor;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceFamily;
import io.github.softmaxcl.verify.SoakMemory.Kind;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * One checked call.
 *
 * @param entry how the API is called
 * @param memory where the data lives (ONE_LINER: always ARRAY)
 * @param type element type
 * @param shape shape
 * @param axis softmax axis, -1 for the last
 * @param log log-softmax
 * @param temperature temperature, 1 for none
 * @param mask which mask, if any (never with a gradient)
 * @param maskedZero fully masked rows give zeros (-inf for log)
 * @param inPlace the output is the input (forward) or dy (gradient)
 * @param backward the gradient instead of the forward op
 * @param pattern the kind of logits
 * @param seed the seed of the data
 */
record SoakCall(SoakCall.Entry entry, Kind memory, ElementType type, long[] shape, int axis, boolean log,
        double temperature, SoakCall.Mask mask, boolean maskedZero, boolean inPlace, boolean backward,
        Inputs.Pattern pattern, long seed) {

    /** The ways into the public API. */
    enum Entry { ENGINE, PRIMITIVE, ONE_LINER }

    /** The mask forms. */
    enum Mask { NONE, FULL, ROW }

    private static final double[] TEMPERATURES = {0.5, 0.7, 2.0};

    /**
     * @param rnd the source of randomness
     * @param types the element types the device supports
     * @return a random call
     */
    static SoakCall random(SplittableRandom rnd, List<ElementType> types) {
        Entry entry = Entry.values()[rnd.nextInt(Entry.values().length)];
        int rank = rnd.nextInt(10) < 3 ? 3 : rnd.nextInt(20) == 0 ? 1 : 2;
        if (entry == Entry.ONE_LINER) {
            ElementType t = types.contains(ElementType.FLOAT64) && rnd.nextBoolean() ? ElementType.FLOAT64
                    : ElementType.FLOAT32;
            boolean log = rnd.nextBoolean();
            return new SoakCall(entry, Kind.ARRAY, t, shape(rnd, 2), -1, log, 1, Mask.NONE, false,
                    !log && rnd.nextInt(3) == 0, false, pattern(rnd), rnd.nextLong());
        }
        Kind memory = Kind.values()[rnd.nextInt(Kind.values().length)];
        ElementType type = types.get(rnd.nextInt(types.size()));
        long[] shape = shape(rnd, rank);
        int axis = rank > 1 && rnd.nextInt(10) < 3 ? rnd.nextInt(rank - 1) : -1;
        boolean backward = rnd.nextInt(5) == 0;
        double t = rnd.nextInt(4) == 0 ? TEMPERATURES[rnd.nextInt(TEMPERATURES.length)] : 1;
        Mask mask = backward || rnd.nextInt(3) != 0 ? Mask.NONE
                : axis == -1 && rnd.nextBoolean() ? Mask.ROW : Mask.FULL;
        return new SoakCall(entry, memory, type, shape, axis, rnd.nextBoolean(), t, mask,
                mask != Mask.NONE && rnd.nextBoolean(), rnd.nextInt(5) == 0, backward, pattern(rnd), rnd.nextLong());
    }

    /**
     * Row lengths around the planner's thresholds and the work-group sizes, drawn most of the time:
     * drivers compile per row length (short rows) and per launch geometry, so a menu lets the calls
     * reuse what was compiled and the soak spend its time calling, not compiling.
     */
    private static final int[] COLS = {1, 2, 3, 7, 15, 16, 17, 31, 32, 33, 61, 64, 65, 100, 255, 256, 257, 1000,
        1024, 4096};
    private static final int[] DIMS = {1, 2, 3, 5, 8, 16, 29, 40};

    /**
     * Batches of up to 32768 elements: rows from the menu (one call in eight any length from 1 to
     * 4096, log-uniform), and one in fifty one or two rows of about 1 MiB, where CPUs switch to the
     * chunked kernels.
     */
    private static long[] shape(SplittableRandom rnd, int rank) {
        if (rank == 3) {
            return new long[] {DIMS[rnd.nextInt(DIMS.length)], DIMS[rnd.nextInt(DIMS.length)],
                DIMS[rnd.nextInt(DIMS.length)]};
        }
        long cols = rnd.nextInt(50) == 0 ? 262_000 + rnd.nextInt(40_000)
                : rnd.nextInt(8) == 0 ? (long) Math.exp(rnd.nextDouble(Math.log(4097)))
                : COLS[rnd.nextInt(COLS.length)];
        long rows = cols > 4096 ? 1 + rnd.nextInt(2) : 1 + rnd.nextInt((int) Math.min(512, 32768 / cols));
        return rank == 1 ? new long[] {rows * cols} : new long[] {rows, cols};
    }

    private static Inputs.Pattern pattern(SplittableRandom rnd) {
        Inputs.Pattern[] p = Inputs.Pattern.values();
        return p[rnd.nextInt(p.length)];
    }

    /** @return the op features this call exercises, for the soak's coverage counts */
    List<String> features() {
        List<String> f = new ArrayList<>();
        f.add((log ? "log_" : "") + (backward ? "backward" : "softmax"));
        if (temperature != 1) {
            f.add("temperature");
        }
        if (mask != Mask.NONE) {
            f.add(mask == Mask.FULL ? "mask" : "mask_row");
        }
        if (maskedZero) {
            f.add("masked_rows_zero");
        }
        if (axis != -1) {
            f.add("axis");
        }
        if (inPlace) {
            f.add("in_place");
        }
        return f;
    }

    /**
     * Runs the call and checks it.
     *
     * @param e the engine
     * @return null if the result is within tolerance and the inputs are unchanged, else what failed
     */
    String run(SoftmaxEngine e) {
        try {
            return backward ? gradient(e) : forward(e);
        } catch (RuntimeException ex) {
            return this + ": " + ex;
        }
    }

    private int elements() {
        return (int) Arrays.stream(shape).reduce(1, (a, b) -> a * b);
    }

    private double[] logits(Inputs.Pattern p, long s) {
        int cols = (int) shape[shape.length - 1];
        return Inputs.doubles(p, elements() / cols, cols, s);
    }

    private SoftmaxOp op() {
        SoftmaxOp o = (log ? SoftmaxOp.logSoftmax() : SoftmaxOp.softmax()).withAxis(axis).withTemperature(temperature);
        return maskedZero ? o.withMaskedRows(MaskedRows.ZERO) : o;
    }

    private String forward(SoftmaxEngine e) {
        double[] x = FamilyCheck.rounded(logits(pattern, seed), type);
        int cols = (int) shape[shape.length - 1];
        byte[] m = switch (mask) {
            case NONE -> null;
            case FULL -> FamilyCase.mask(x.length, cols, seed);
            case ROW -> FamilyCase.mask(cols, cols, seed);
        };
        SoftmaxOp op = m == null ? op() : op().withMask(m);
        double[][] got = entry == Entry.ONE_LINER ? oneLiner(e, x) : calls(e, op, x);
        return check(FamilyCheck.compareForward(x, got[0], shape, axis, type, op(), m), got[1], x);
    }

    private String gradient(SoftmaxEngine e) {
        double[] y = FamilyCheck.rounded(ReferenceFamily.forward(logits(Inputs.Pattern.OUTLIERS, seed), shape, axis,
                op().withTemperature(1), null), type);
        double[] dy = FamilyCheck.rounded(logits(Inputs.Pattern.RANDOM, seed + 1), type);
        double[][] got = calls(e, op(), y, dy);
        return check(FamilyCheck.compareBackward(y, dy, got[0], shape, axis, type, op()), got[1], y);
    }

    private String check(Comparison c, double[] inputAfter, double[] input) {
        if (!Arrays.equals(input, inputAfter)) {
            return this + ": the input was modified";
        }
        return c.passed() ? null : this + ": " + c;
    }

    /**
     * Forward ({@code in} is x) or gradient ({@code in} is y, dy) through the engine or a primitive.
     *
     * @return the output, and the first input as it is afterwards (itself when it is the output)
     */
    private double[][] calls(SoftmaxEngine e, SoftmaxOp op, double[]... in) {
        double[] nan = new double[in[0].length];
        Arrays.fill(nan, Double.NaN);
        if (memory == Kind.DEVICE) {
            List<DeviceTensor> open = new ArrayList<>();
            try {
                Tensor[] t = new Tensor[in.length + 1];
                for (int i = 0; i < in.length; i++) {
                    t[i] = upload(e, open, in[i]);
                }
                t[in.length] = inPlace ? t[in.length - 1] : upload(e, open, nan);
                invoke(e, op, t);
                double[] out = download((DeviceTensor) t[in.length]);
                return new double[][] {out, overwritten(in) ? in[0] : download((DeviceTensor) t[0])};
            } finally {
                open.forEach(DeviceTensor::close);
            }
        }
        SoakMemory[] m = new SoakMemory[in.length + 1];
        boolean raw = (seed & 1) == 0;
        for (int i = 0; i < in.length; i++) {
            m[i] = SoakMemory.of(memory, in[i], type, shape, !(inPlace && i == in.length - 1), raw);
        }
        m[in.length] = inPlace ? m[in.length - 1] : SoakMemory.of(memory, nan, type, shape, false, raw);
        Tensor[] t = new Tensor[m.length];
        for (int i = 0; i < m.length; i++) {
            t[i] = m[i].tensor();
        }
        invoke(e, op, t);
        return new double[][] {m[in.length].read(), overwritten(in) ? in[0] : m[0].read()};
    }

    /** Whether the first input is the output (in-place forward), so there is nothing to compare it with. */
    private boolean overwritten(double[][] in) {
        return inPlace && in.length == 1;
    }

    private void invoke(SoftmaxEngine e, SoftmaxOp op, Tensor[] t) {
        if (entry == Entry.PRIMITIVE) {
            if (backward) {
                e.prepare(op, type, shape).backward(t[0], t[1], t[2]);
            } else {
                e.prepare(op, type, shape).forward(t[0], t[1]);
            }
        } else if (backward) {
            e.backward(t[0], t[1], t[2], op);
        } else {
            e.forward(t[0], t[1], op);
        }
    }

    /** Uploads through allocate + upload (the two ways a tensor gets data), remembering it for closing. */
    private DeviceTensor upload(SoftmaxEngine e, List<DeviceTensor> open, double[] values) {
        HostTensor h = FamilyCheck.tensor(FamilyCheck.array(values, type), type, shape);
        DeviceTensor t;
        if ((seed & 2) == 0) {
            t = e.upload(h);
            open.add(t);
        } else {
            t = e.allocate(type, shape);
            open.add(t);
            t.upload(h);
        }
        return t;
    }

    private double[] download(DeviceTensor t) {
        Object back = FamilyCheck.array(new double[elements()], type);
        t.download(FamilyCheck.tensor(back, type, shape));
        return FamilyCheck.doubles(back, type);
    }

    /** The array one-liners: softmax and logSoftmax returning a new array, softmax into an array. */
    private double[][] oneLiner(SoftmaxEngine e, double[] x) {
        int rows = (int) shape[0];
        int cols = (int) shape[1];
        Object in = FamilyCheck.array(x, type);
        Object out;
        if (type == ElementType.FLOAT64) {
            double[] a = (double[]) in;
            if (log) {
                out = e.logSoftmax(a, rows, cols);
            } else if (inPlace || (seed & 1) == 0) {
                double[] y = inPlace ? a : nans(a.length);
                e.softmax(a, y, rows, cols);
                out = y;
            } else {
                out = e.softmax(a, rows, cols);
            }
        } else {
            float[] a = (float[]) in;
            if (log) {
                out = e.logSoftmax(a, rows, cols);
            } else if (inPlace || (seed & 1) == 0) {
                float[] y = inPlace ? a : (float[]) FamilyCheck.array(nans(a.length), type);
                e.softmax(a, y, rows, cols);
                out = y;
            } else {
                out = e.softmax(a, rows, cols);
            }
        }
        double[] got = FamilyCheck.doubles(out, type);
        return new double[][] {got, inPlace ? x : FamilyCheck.doubles(in, type)};
    }

    private static double[] nans(int n) {
        double[] d = new double[n];
        Arrays.fill(d, Double.NaN);
        return d;
    }

    /** Everything needed to repeat the call: a failure report names it in full. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder().append(entry.name().toLowerCase(Locale.ROOT)).append(' ')
                .append(memory.name().toLowerCase(Locale.ROOT)).append(' ').append(type.label()).append(' ')
                .append(Arrays.toString(shape)).append(axis == -1 ? "" : " axis " + axis)
                .append(log ? " log-softmax" : " softmax").append(backward ? " gradient" : "");
        b.append(temperature != 1 ? " T=" + temperature : "").append(mask == Mask.NONE ? "" : " mask " + mask)
                .append(maskedZero ? " masked-rows zero" : "").append(inPlace ? " in place" : "");
        return b.append(", ").append(pattern).append(" seed ").append(seed).toString();
    }
}
