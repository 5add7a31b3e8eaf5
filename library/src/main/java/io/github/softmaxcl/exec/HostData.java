/*
 * The engine's view of caller memory on the host: a Java array or an NIO buffer of any kind (heap,
 * direct, a view such as ByteBuffer.asFloatBuffer(), read-only), validated once when the public
 * HostTensor is created. The pipeline asks it for a native pointer where JOCL can use the memory
 * directly (arrays, array-backed and direct buffers) and otherwise copies through its own direct
 * staging memory, so every kind of host memory works with every strategy.
 */
package io.github.softmaxcl.exec;

import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import org.jocl.Pointer;

/** Host memory holding {@code elements} elements of {@code elementBytes} bytes each. */
public final class HostData implements Operand {
    private final Object array;
    private final Buffer buffer;
    private final Object origin;
    private final int originPosition;
    private final int elementBytes;
    private final long elements;
    private final short halfNaN;

    private HostData(Object array, Buffer buffer, Object origin, int originPosition, int elementBytes,
            long elements, short halfNaN) {
        this.array = array;
        this.buffer = buffer;
        this.origin = origin;
        this.originPosition = originPosition;
        this.elementBytes = elementBytes;
        this.elements = elements;
        this.halfNaN = halfNaN;
    }

    /**
     * @param array a float[], double[], short[] or byte[]
     * @param halfNaN the NaN bit pattern for short[] data (float16 and bfloat16 differ)
     * @return the whole array
     */
    public static HostData ofArray(Object array, short halfNaN) {
        int bytes = array instanceof float[] ? 4 : array instanceof double[] ? 8 : array instanceof short[] ? 2 : 1;
        return new HostData(array, null, array, 0, bytes, java.lang.reflect.Array.getLength(array), halfNaN);
    }

    /**
     * @param b a FloatBuffer, DoubleBuffer, ShortBuffer or ByteBuffer (bytes taken as native order)
     * @param elementBytes bytes per element (for a ByteBuffer, the element type's width)
     * @param elements elements used, from the buffer's position; at most its remaining count
     * @param halfNaN the NaN bit pattern for 16-bit data
     * @return a view fixed at the buffer's current position
     */
    public static HostData ofBuffer(Buffer b, int elementBytes, long elements, short halfNaN) {
        int scale = b instanceof ByteBuffer ? elementBytes : 1;
        Buffer slice = b.slice(b.position(), (int) (elements * scale));
        if (slice instanceof ByteBuffer bb) {
            slice = bb.order(ByteOrder.nativeOrder());
        }
        return new HostData(null, slice, b, b.position(), elementBytes, elements, halfNaN);
    }

    /**
     * A view of some of these elements (one device's rows of a call split over a device group). It
     * copies nothing, and views of two operands at the same offset of the same memory are
     * {@link #sameAs} each other, so a part of an in-place call is in place too.
     *
     * @param from first element
     * @param count elements, with {@code from + count <= elements()}
     * @return the view
     * @throws IllegalArgumentException if the range is outside this view
     */
    public HostData range(long from, long count) {
        if (from < 0 || count < 0 || from + count > elements) {
            throw new IllegalArgumentException("range [" + from + ", " + (from + count) + ") is outside "
                    + elements + " elements");
        }
        int f = Math.toIntExact(from);
        int n = Math.toIntExact(count);
        Buffer b;
        if (array != null) {
            b = array instanceof float[] a ? FloatBuffer.wrap(a).slice(f, n)
                    : array instanceof double[] a ? DoubleBuffer.wrap(a).slice(f, n)
                    : array instanceof short[] a ? ShortBuffer.wrap(a).slice(f, n)
                    : ByteBuffer.wrap((byte[]) array).slice(f, n);
        } else {
            int unit = buffer instanceof ByteBuffer ? elementBytes : 1;
            b = buffer.slice(f * unit, n * unit);
            if (b instanceof ByteBuffer bb) {
                b = bb.order(ByteOrder.nativeOrder());
            }
        }
        int unit = array == null && buffer instanceof ByteBuffer ? elementBytes : 1;
        return new HostData(null, b, origin, originPosition + f * unit, elementBytes, count, halfNaN);
    }

    /** @return elements held */
    public long elements() {
        return elements;
    }

    /** @return bytes per element */
    public int elementBytes() {
        return elementBytes;
    }

    /** @return whether writes are refused (a read-only buffer) */
    public boolean readOnly() {
        return buffer != null && buffer.isReadOnly();
    }

    /** @return whether the memory is outside the Java heap, so OpenCL can use it in place */
    public boolean isDirect() {
        return buffer != null && buffer.isDirect();
    }

    /**
     * @param other another view
     * @return whether both views start at the same element of the same memory (in-place calls)
     */
    public boolean sameAs(HostData other) {
        return other != null && origin == other.origin && originPosition == other.originPosition;
    }

    /**
     * @return a pointer JOCL can read and write in place, or null when the memory must be copied
     *     (views of heap byte buffers, read-only heap buffers)
     */
    public Pointer pointer() {
        if (array != null) {
            return arrayPointer(array);
        }
        if (buffer.isDirect()) {
            return buffer instanceof ByteBuffer bb ? Pointer.to(bb) : typedPointer(buffer);
        }
        if (buffer.hasArray()) {
            return arrayPointer(buffer.array()).withByteOffset((long) buffer.arrayOffset() * unit());
        }
        return null;
    }

    private int unit() {
        return buffer instanceof ByteBuffer ? 1 : elementBytes;
    }

    private static Pointer arrayPointer(Object a) {
        if (a instanceof float[] f) {
            return Pointer.to(f);
        }
        if (a instanceof double[] d) {
            return Pointer.to(d);
        }
        if (a instanceof short[] s) {
            return Pointer.to(s);
        }
        return Pointer.to((byte[]) a);
    }

    private static Pointer typedPointer(Buffer b) {
        if (b instanceof FloatBuffer f) {
            return Pointer.to(f);
        }
        if (b instanceof DoubleBuffer d) {
            return Pointer.to(d);
        }
        return Pointer.to((ShortBuffer) b);
    }

    /**
     * A direct slice for zero-copy use.
     *
     * @param from first element
     * @param count elements
     * @return the slice
     */
    public Buffer directSlice(long from, long count) {
        int u = buffer instanceof ByteBuffer ? elementBytes : 1;
        Buffer s = buffer.slice((int) (from * u), (int) (count * u));
        return s;
    }

    /**
     * Copies {@code count} elements starting at {@code from} into {@code dst} (native order, from 0).
     *
     * @param from first element
     * @param count elements
     * @param dst direct staging memory
     */
    public void copyOut(long from, int count, ByteBuffer dst) {
        ByteBuffer d = dst.clear().order(ByteOrder.nativeOrder());
        int f = (int) from;
        if (array instanceof float[] a) {
            d.asFloatBuffer().put(a, f, count);
        } else if (array instanceof double[] a) {
            d.asDoubleBuffer().put(a, f, count);
        } else if (array instanceof short[] a) {
            d.asShortBuffer().put(a, f, count);
        } else if (array instanceof byte[] a) {
            d.put(a, f, count).clear();
        } else if (buffer instanceof FloatBuffer b) {
            d.asFloatBuffer().put(b.slice(f, count));
        } else if (buffer instanceof DoubleBuffer b) {
            d.asDoubleBuffer().put(b.slice(f, count));
        } else if (buffer instanceof ShortBuffer b) {
            d.asShortBuffer().put(b.slice(f, count));
        } else {
            d.put(((ByteBuffer) buffer).slice(f * elementBytes, count * elementBytes)).clear();
        }
    }

    /**
     * Copies {@code count} elements from {@code src} (native order, from 0) to element {@code from}.
     *
     * @param src direct staging memory
     * @param from first element
     * @param count elements
     */
    public void copyIn(ByteBuffer src, long from, int count) {
        ByteBuffer s = src.duplicate().clear().order(ByteOrder.nativeOrder());
        int f = (int) from;
        if (array instanceof float[] a) {
            s.asFloatBuffer().get(a, f, count);
        } else if (array instanceof double[] a) {
            s.asDoubleBuffer().get(a, f, count);
        } else if (array instanceof short[] a) {
            s.asShortBuffer().get(a, f, count);
        } else if (buffer instanceof FloatBuffer b) {
            b.slice(f, count).put(s.asFloatBuffer().limit(count));
        } else if (buffer instanceof DoubleBuffer b) {
            b.slice(f, count).put(s.asDoubleBuffer().limit(count));
        } else if (buffer instanceof ShortBuffer b) {
            b.slice(f, count).put(s.asShortBuffer().limit(count));
        } else {
            ((ByteBuffer) buffer).slice(f * elementBytes, count * elementBytes).put(s.limit(count * elementBytes));
        }
    }

    /** Fills every element with NaN, so that a failed call never leaves a half-written output. */
    public void fillNaN() {
        ByteBuffer nan = ByteBuffer.allocate(Math.toIntExact(elements * elementBytes)).order(ByteOrder.nativeOrder());
        for (int i = 0; i < elements; i++) {
            switch (elementBytes) {
                case 4 -> nan.putFloat(Float.NaN);
                case 8 -> nan.putDouble(Double.NaN);
                default -> nan.putShort(halfNaN);
            }
        }
        copyIn(nan, 0, (int) elements);
    }
}
