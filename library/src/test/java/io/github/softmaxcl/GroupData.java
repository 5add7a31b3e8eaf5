/*
 * Host data for the device group tests: the same values in any element type, in a Java array, a
 * direct buffer or a view of a heap byte buffer (which has no array, so it is copied through
 * staging), each at a non-zero offset where it is a buffer; read back as raw bytes, so results
 * are compared bit for bit whatever their type.
 */
package io.github.softmaxcl;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.SplittableRandom;

/** Test data of one kind and element type. */
final class GroupData {
    /** Where the data lives. */
    enum Kind { ARRAY, DIRECT, VIEW }

    private static final int OFFSET = 5;

    final HostTensor tensor;
    private final Object array;
    private final ByteBuffer bytes;
    private final int n;
    private final ElementType type;

    private GroupData(HostTensor tensor, Object array, ByteBuffer bytes, int n, ElementType type) {
        this.tensor = tensor;
        this.array = array;
        this.bytes = bytes;
        this.n = n;
        this.type = type;
    }

    /**
     * @param kind where the data lives
     * @param type element type
     * @param seed random values from this seed (logits in about [-8, 8], now and then -inf)
     * @param shape shape
     * @return the data
     */
    static GroupData random(Kind kind, ElementType type, long seed, long... shape) {
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        SplittableRandom r = new SplittableRandom(seed);
        ByteBuffer raw = ByteBuffer.allocate(n * type.bytes()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            double v = r.nextInt(50) == 0 ? Double.NEGATIVE_INFINITY : r.nextDouble(-8, 8);
            switch (type) {
                case FLOAT32 -> raw.putFloat((float) v);
                case FLOAT64 -> raw.putDouble(v);
                case BFLOAT16 -> raw.putShort((short) (Float.floatToRawIntBits((float) v) >>> 16));
                case FLOAT16 -> raw.putShort(half(v));
            }
        }
        return of(kind, type, raw.array(), shape);
    }

    /** IEEE binary16 bits of {@code v} (truncated; these are test inputs, any half value will do). */
    private static short half(double v) {
        if (Double.isInfinite(v)) {
            return (short) (v > 0 ? 0x7C00 : 0xFC00);
        }
        int f = Float.floatToRawIntBits((float) v);
        int sign = (f >>> 16) & 0x8000;
        int exp = ((f >>> 23) & 0xFF) - 127 + 15;
        if (exp <= 0) {
            return (short) sign;
        }
        return (short) (sign | (exp << 10) | ((f >>> 13) & 0x3FF));
    }

    /**
     * @param kind where the data lives
     * @param type element type
     * @param raw the elements' bytes in native order
     * @param shape shape
     * @return the data, holding a copy of {@code raw}
     */
    static GroupData of(Kind kind, ElementType type, byte[] raw, long... shape) {
        int n = raw.length / type.bytes();
        ByteBuffer src = ByteBuffer.wrap(raw).order(ByteOrder.nativeOrder());
        if (kind == Kind.ARRAY) {
            Object a = switch (type) {
                case FLOAT32 -> new float[n];
                case FLOAT64 -> new double[n];
                default -> new short[n];
            };
            switch (type) {
                case FLOAT32 -> src.asFloatBuffer().get((float[]) a);
                case FLOAT64 -> src.asDoubleBuffer().get((double[]) a);
                default -> src.asShortBuffer().get((short[]) a);
            }
            HostTensor t = switch (type) {
                case FLOAT32 -> HostTensor.of((float[]) a, shape);
                case FLOAT64 -> HostTensor.of((double[]) a, shape);
                default -> HostTensor.of((short[]) a, type, shape);
            };
            return new GroupData(t, a, null, n, type);
        }
        int size = (n + OFFSET) * type.bytes();
        ByteBuffer whole = (kind == Kind.DIRECT ? ByteBuffer.allocateDirect(size) : ByteBuffer.allocate(size))
                .order(ByteOrder.nativeOrder());
        ByteBuffer at = whole.position(OFFSET * type.bytes()).slice().order(ByteOrder.nativeOrder());
        at.put(raw).clear();
        HostTensor t = switch (type) {
            case FLOAT32 -> HostTensor.of(at.asFloatBuffer(), shape);
            case FLOAT64 -> HostTensor.of(at.asDoubleBuffer(), shape);
            default -> HostTensor.of(at.asShortBuffer(), type, shape);
        };
        return new GroupData(t, null, at, n, type);
    }

    /**
     * @param kind where the data lives
     * @param type element type
     * @param shape shape
     * @return data filled with a value no result has (42), so an unwritten element shows
     */
    static GroupData output(Kind kind, ElementType type, long... shape) {
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        ByteBuffer raw = ByteBuffer.allocate(n * type.bytes()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            switch (type) {
                case FLOAT32 -> raw.putFloat(42f);
                case FLOAT64 -> raw.putDouble(42);
                case BFLOAT16 -> raw.putShort((short) 0x4228);
                case FLOAT16 -> raw.putShort((short) 0x5140);
            }
        }
        return of(kind, type, raw.array(), shape);
    }

    /** @return a copy of the elements' bytes, native order */
    byte[] bytes() {
        ByteBuffer out = ByteBuffer.allocate(n * type.bytes()).order(ByteOrder.nativeOrder());
        if (array instanceof float[] a) {
            out.asFloatBuffer().put(a);
        } else if (array instanceof double[] a) {
            out.asDoubleBuffer().put(a);
        } else if (array instanceof short[] a) {
            out.asShortBuffer().put(a);
        } else {
            out.put(bytes.duplicate().clear());
        }
        return out.array();
    }

    /** @return whether every element is NaN */
    boolean allNaN() {
        ByteBuffer b = ByteBuffer.wrap(bytes()).order(ByteOrder.nativeOrder());
        for (int i = 0; i < n; i++) {
            boolean nan = switch (type) {
                case FLOAT32 -> Float.isNaN(b.getFloat());
                case FLOAT64 -> Double.isNaN(b.getDouble());
                case FLOAT16 -> (b.getShort() & 0x7FFF) > 0x7C00;
                case BFLOAT16 -> (b.getShort() & 0x7FFF) > 0x7F80;
            };
            if (!nan) {
                return false;
            }
        }
        return true;
    }
}
