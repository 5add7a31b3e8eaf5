/*
 * Runs one softmax-family computation on an engine in any storage format and compares it with the
 * double reference (ReferenceFamily) under the stated tolerances. Shared by the test suite and
 * `softmax verify`, so what CI checks is what a user can re-run on their own device.
 */
package io.github.softmaxcl.reference;

import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.ElementType;

/** Device-vs-reference checks for the softmax family. */
public final class FamilyCheck {
    private FamilyCheck() {}

    /**
     * @param x values
     * @param f a format
     * @return the values rounded to the format, as doubles (what the device and the reference both see)
     */
    public static double[] rounded(double[] x, ElementType f) {
        double[] r = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            r[i] = switch (f) {
                case FLOAT64 -> x[i];
                case FLOAT32 -> (float) x[i];
                case FLOAT16 -> Float16.toFloat(Float16.fromFloat((float) x[i]));
                case BFLOAT16 -> Float.intBitsToFloat(bf16(x[i]) << 16);
            };
        }
        return r;
    }

    /** bfloat16 bits of v: round to nearest even, NaN kept quiet. */
    static int bf16(double v) {
        float f = (float) v;
        int u = Float.floatToRawIntBits(f);
        if (Float.isNaN(f)) {
            return ((u >>> 16) | 0x40) & 0xFFFF;
        }
        return ((u + 0x7FFF + ((u >>> 16) & 1)) >>> 16) & 0xFFFF;
    }

    static short[] bits(double[] x, ElementType f) {
        short[] b = new short[x.length];
        for (int i = 0; i < x.length; i++) {
            b[i] = f == ElementType.FLOAT16 ? Float16.fromFloat((float) x[i]) : (short) bf16(x[i]);
        }
        return b;
    }

    static double[] fromBits(short[] b, ElementType f) {
        double[] d = new double[b.length];
        for (int i = 0; i < b.length; i++) {
            d[i] = f == ElementType.FLOAT16 ? Float16.toFloat(b[i]) : Float.intBitsToFloat((b[i] & 0xFFFF) << 16);
        }
        return d;
    }

    /**
     * @param f a format
     * @return the precision the device computes in for it
     */
    public static ElementType compute(ElementType f) {
        return f == ElementType.FLOAT64 ? ElementType.FLOAT64 : ElementType.FLOAT32;
    }

    private static float[] toFloats(double[] x) {
        float[] f = new float[x.length];
        for (int i = 0; i < x.length; i++) {
            f[i] = (float) x[i];
        }
        return f;
    }

    private static double[] toDoubles(float[] x) {
        double[] d = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            d[i] = x[i];
        }
        return d;
    }

    /**
     * Runs the forward family call in format f.
     *
     * @param e the engine
     * @param x input, already rounded to f
     * @param shape the shape
     * @param axis the axis
     * @param f the storage format
     * @param o the options
     * @param mask null, full or broadcast mask
     * @return the device output as doubles
     */
    public static double[] forward(SoftmaxEngine e, double[] x, long[] shape, int axis, ElementType f, SoftmaxOp o,
            byte[] mask) {
        Object out = array(new double[x.length], f);
        SoftmaxOp op = o.withAxis(axis);
        e.forward(tensor(array(x, f), f, shape), tensor(out, f, shape), mask == null ? op : op.withMask(mask));
        return doubles(out, f);
    }

    /**
     * Runs the gradient in format f.
     *
     * @param e the engine
     * @param y forward output, rounded to f
     * @param dy upstream gradient, rounded to f
     * @param shape the shape
     * @param axis the axis
     * @param f the storage format
     * @param o log form and temperature
     * @return dx as doubles
     */
    public static double[] backward(SoftmaxEngine e, double[] y, double[] dy, long[] shape, int axis, ElementType f,
            SoftmaxOp o) {
        Object dx = array(new double[y.length], f);
        e.backward(tensor(array(y, f), f, shape), tensor(array(dy, f), f, shape), tensor(dx, f, shape),
                o.withAxis(axis));
        return doubles(dx, f);
    }

    /**
     * @param x values
     * @param f element type
     * @return a new float[], double[] or short[] (16-bit bits) holding x rounded to f
     */
    public static Object array(double[] x, ElementType f) {
        return switch (f) {
            case FLOAT64 -> x.clone();
            case FLOAT32 -> toFloats(x);
            default -> bits(x, f);
        };
    }

    /**
     * @param array an array made by {@link #array}
     * @param f its element type
     * @param shape the shape
     * @return a host tensor over it
     */
    public static HostTensor tensor(Object array, ElementType f, long[] shape) {
        return switch (f) {
            case FLOAT64 -> HostTensor.of((double[]) array, shape);
            case FLOAT32 -> HostTensor.of((float[]) array, shape);
            default -> HostTensor.of((short[]) array, f, shape);
        };
    }

    /**
     * @param array an array made by {@link #array}
     * @param f its element type
     * @return its values as doubles
     */
    public static double[] doubles(Object array, ElementType f) {
        return switch (f) {
            case FLOAT64 -> ((double[]) array).clone();
            case FLOAT32 -> toDoubles((float[]) array);
            default -> fromBits((short[]) array, f);
        };
    }

    /**
     * Compares a forward result with the reference.
     *
     * @param x the input (rounded to f)
     * @param device the device output
     * @param shape the shape
     * @param axis the axis
     * @param f the format
     * @param o the options
     * @param mask the mask, or null
     * @return the comparison
     */
    public static Comparison compareForward(double[] x, double[] device, long[] shape, int axis, ElementType f,
            SoftmaxOp o, byte[] mask) {
        double[] ref = ReferenceFamily.forward(ReferenceFamily.scaled(x, o, compute(f)), shape, axis, o, mask);
        long[] d = ReferenceFamily.dims(shape, axis);
        double[] masked = new double[x.length];
        for (int i = 0; i < x.length; i++) {
            boolean m = mask != null && (mask.length == x.length ? mask[i] : mask[(int) (i % d[1])]) == 0;
            masked[i] = m || x[i] == Double.NEGATIVE_INFINITY ? 1 : 0;
        }
        double[] dr = ReferenceFamily.toRows(device, shape, axis);
        double[] rr = ReferenceFamily.toRows(ref, shape, axis);
        double[] mr = ReferenceFamily.toRows(masked, shape, axis);
        return Comparison.of(i -> dr[(int) i], i -> rr[(int) i], d[0] * d[2], d[1],
                o.isLog() ? Tolerance.Kind.LOG : Tolerance.Kind.SOFTMAX, f, i -> mr[(int) i] != 0);
    }

    /**
     * Compares a gradient with the reference.
     *
     * @param y forward output given to the device
     * @param dy upstream gradient given to the device
     * @param dx the device's gradient
     * @param shape the shape
     * @param axis the axis
     * @param f the format
     * @param o log form and temperature
     * @return the comparison
     */
    public static Comparison compareBackward(double[] y, double[] dy, double[] dx, long[] shape, int axis, ElementType f,
            SoftmaxOp o) {
        double[] ref = ReferenceFamily.backward(y, dy, shape, axis, o);
        long[] d = ReferenceFamily.dims(shape, axis);
        double[] dr = ReferenceFamily.toRows(dx, shape, axis);
        double[] rr = ReferenceFamily.toRows(ref, shape, axis);
        double[] mr = ReferenceFamily.toRows(ReferenceFamily.backwardMagnitude(y, dy, shape, axis, o), shape, axis);
        return Comparison.of(i -> dr[(int) i], i -> rr[(int) i], i -> mr[(int) i], d[0] * d[2], d[1],
                Tolerance.Kind.GRADIENT, f, i -> false);
    }
}
