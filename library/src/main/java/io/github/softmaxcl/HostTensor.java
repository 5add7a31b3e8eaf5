/*
 * A view of caller memory on the host as a typed, shaped tensor: a Java array or any NIO buffer
 * (heap, direct, a view such as ByteBuffer.asFloatBuffer(), or read-only as an input). It is
 * validated when it is created, and it copies nothing: the engine reads and writes the caller's
 * memory. Direct buffers are the fast path (zero-copy on devices that share host memory).
 */
package io.github.softmaxcl;

import io.github.softmaxcl.exec.HostData;
import io.github.softmaxcl.exec.Shapes;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;
import java.util.Arrays;

/**
 * Host memory seen as a tensor.
 *
 * <pre>{@code
 * HostTensor x = HostTensor.of(logits, rows, cols);          // float[] of rows * cols
 * HostTensor h = HostTensor.of(halfBits, ElementType.FLOAT16, 8, 1024);
 * HostTensor b = HostTensor.of(directFloatBuffer, 4096, 4096); // from the buffer's position
 * }</pre>
 *
 * <p>Arrays must hold exactly the shape's element count. Buffers are used from their position
 * at creation (later position changes do not move the view) and must have at least that many
 * elements remaining. Views are cheap; make one per call if that is convenient.
 */
public final class HostTensor implements Tensor {
    private static final short FLOAT16_NAN = (short) 0x7E00;
    private static final short BFLOAT16_NAN = (short) 0x7FC0;

    private final ElementType type;
    private final long[] shape;
    private final HostData data;

    private HostTensor(ElementType type, long[] shape, HostData data) {
        this.type = type;
        this.shape = shape;
        this.data = data;
    }

    /**
     * @param data float32 values, row-major
     * @param shape the shape, product equal to {@code data.length}
     * @return the view
     * @throws IllegalArgumentException if {@code data} is null or the shape does not match its length
     */
    public static HostTensor of(float[] data, long... shape) {
        return array(data, ElementType.FLOAT32, shape);
    }

    /**
     * @param data float64 values, row-major
     * @param shape the shape, product equal to {@code data.length}
     * @return the view
     * @throws IllegalArgumentException if {@code data} is null or the shape does not match its length
     */
    public static HostTensor of(double[] data, long... shape) {
        return array(data, ElementType.FLOAT64, shape);
    }

    /**
     * @param bits 16-bit values (IEEE binary16 or bfloat16 bit patterns), row-major
     * @param type {@link ElementType#FLOAT16} or {@link ElementType#BFLOAT16}
     * @param shape the shape, product equal to {@code bits.length}
     * @return the view
     * @throws IllegalArgumentException if an argument is null, the type is not 16-bit, or the shape does not match
     */
    public static HostTensor of(short[] bits, ElementType type, long... shape) {
        requireHalf(type);
        return array(bits, type, shape);
    }

    /**
     * @param buffer float32 values from its position (any kind of FloatBuffer)
     * @param shape the shape
     * @return the view
     * @throws IllegalArgumentException if {@code buffer} is null or has fewer elements remaining than the shape
     */
    public static HostTensor of(FloatBuffer buffer, long... shape) {
        return buffer(buffer, ElementType.FLOAT32, 1, shape);
    }

    /**
     * @param buffer float64 values from its position (any kind of DoubleBuffer)
     * @param shape the shape
     * @return the view
     * @throws IllegalArgumentException if {@code buffer} is null or has fewer elements remaining than the shape
     */
    public static HostTensor of(DoubleBuffer buffer, long... shape) {
        return buffer(buffer, ElementType.FLOAT64, 1, shape);
    }

    /**
     * @param buffer 16-bit values from its position
     * @param type {@link ElementType#FLOAT16} or {@link ElementType#BFLOAT16}
     * @param shape the shape
     * @return the view
     * @throws IllegalArgumentException if an argument is null, the type is not 16-bit, or the buffer is too small
     */
    public static HostTensor of(ShortBuffer buffer, ElementType type, long... shape) {
        requireHalf(type);
        return buffer(buffer, type, 1, shape);
    }

    /**
     * @param buffer raw elements in the platform's native byte order (whatever the buffer's
     *     {@code order()} says) from its position
     * @param type the element type
     * @param shape the shape
     * @return the view
     * @throws IllegalArgumentException if an argument is null or the buffer has fewer bytes remaining than the shape needs
     */
    public static HostTensor of(ByteBuffer buffer, ElementType type, long... shape) {
        if (type == null) {
            throw new IllegalArgumentException("element type must not be null");
        }
        return buffer(buffer, type, type.bytes(), shape);
    }

    private static void requireHalf(ElementType type) {
        if (type == null || !type.isHalf()) {
            throw new IllegalArgumentException("short data holds float16 or bfloat16, got " + type);
        }
    }

    private static HostTensor array(Object array, ElementType type, long[] shape) {
        if (array == null) {
            throw new IllegalArgumentException("data must not be null");
        }
        long[] s = Shapes.check(shape);
        long n = Shapes.elements(s);
        int length = java.lang.reflect.Array.getLength(array);
        if (n != length) {
            throw new IllegalArgumentException("array length " + length + " does not match shape "
                    + Arrays.toString(s) + " (" + n + " elements)");
        }
        return new HostTensor(type, s, HostData.ofArray(array, nan(type)));
    }

    private static HostTensor buffer(Buffer b, ElementType type, int unit, long[] shape) {
        if (b == null) {
            throw new IllegalArgumentException("buffer must not be null");
        }
        long[] s = Shapes.check(shape);
        long n = Shapes.elements(s);
        long remaining = b.remaining() / unit;
        if (remaining < n) {
            throw new IllegalArgumentException("buffer has " + remaining + " " + type.label()
                    + " elements remaining, shape " + Arrays.toString(s) + " needs " + n);
        }
        return new HostTensor(type, s, HostData.ofBuffer(b, type.bytes(), n, nan(type)));
    }

    private static short nan(ElementType type) {
        return type == ElementType.BFLOAT16 ? BFLOAT16_NAN : FLOAT16_NAN;
    }

    @Override
    public ElementType type() {
        return type;
    }

    @Override
    public long[] shape() {
        return shape.clone();
    }

    @Override
    public long elements() {
        return data.elements();
    }

    /** @return whether the memory is read-only (usable as an input only) */
    public boolean isReadOnly() {
        return data.readOnly();
    }

    HostData data() {
        return data;
    }

    long[] shapeRef() {
        return shape;
    }

    @Override
    public String toString() {
        return "HostTensor[" + type.label() + " " + Arrays.toString(shape) + "]";
    }
}
