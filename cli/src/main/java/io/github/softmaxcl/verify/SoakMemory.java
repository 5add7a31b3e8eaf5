/*
 * The kinds of host memory the soak (`verify --soak`) hands the engine: Java arrays, array-backed
 * heap buffers, views of heap byte buffers, and direct buffers (typed, or raw bytes with an element
 * type), each starting at a non-zero offset and read-only when used as an input, as a user's memory
 * may be. Device tensors are made by SoakCall itself, since they belong to an engine.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import java.nio.Buffer;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/** Host memory of one kind holding values of one element type, and its view as a tensor. */
final class SoakMemory {
    /** Where a call's data lives. */
    enum Kind { ARRAY, HEAP_BUFFER, VIEW, DIRECT, DEVICE }

    /** Elements before the data: offsets must be honoured by every path. */
    private static final int OFFSET = 3;

    private final HostTensor tensor;
    private final Object array;
    private final Buffer typed;
    private final ElementType type;

    private SoakMemory(HostTensor tensor, Object array, Buffer typed, ElementType type) {
        this.tensor = tensor;
        this.array = array;
        this.typed = typed;
        this.type = type;
    }

    /**
     * @param kind a host kind (not DEVICE)
     * @param values the values, already rounded to {@code type}
     * @param type element type
     * @param shape shape
     * @param readOnly whether the tensor is a read-only view (for inputs)
     * @param rawBytes for DIRECT: pass the bytes with the element type instead of a typed buffer
     * @return the memory
     * @throws IllegalArgumentException for DEVICE
     */
    static SoakMemory of(Kind kind, double[] values, ElementType type, long[] shape, boolean readOnly,
            boolean rawBytes) {
        Object array = FamilyCheck.array(values, type);
        if (kind == Kind.ARRAY) {
            return new SoakMemory(FamilyCheck.tensor(array, type, shape), array, null, type);
        }
        int n = values.length;
        Buffer typed;
        ByteBuffer bytes = null;
        if (kind == Kind.HEAP_BUFFER) {
            typed = switch (type) {
                case FLOAT32 -> FloatBuffer.allocate(n + OFFSET).position(OFFSET).slice();
                case FLOAT64 -> DoubleBuffer.allocate(n + OFFSET).position(OFFSET).slice();
                default -> ShortBuffer.allocate(n + OFFSET).position(OFFSET).slice();
            };
        } else if (kind == Kind.VIEW || kind == Kind.DIRECT) {
            int eb = type.bytes();
            ByteBuffer whole = kind == Kind.DIRECT ? ByteBuffer.allocateDirect((n + OFFSET) * eb)
                    : ByteBuffer.allocate((n + OFFSET) * eb);
            // slice() resets the order to big-endian; the engine reads native order.
            bytes = whole.position(OFFSET * eb).slice().order(ByteOrder.nativeOrder());
            typed = switch (type) {
                case FLOAT32 -> bytes.asFloatBuffer();
                case FLOAT64 -> bytes.asDoubleBuffer();
                default -> bytes.asShortBuffer();
            };
        } else {
            throw new IllegalArgumentException(kind + " is not host memory");
        }
        switch (type) {
            case FLOAT32 -> ((FloatBuffer) typed).put(0, (float[]) array);
            case FLOAT64 -> ((DoubleBuffer) typed).put(0, (double[]) array);
            default -> ((ShortBuffer) typed).put(0, (short[]) array);
        }
        HostTensor t;
        if (kind == Kind.DIRECT && rawBytes) {
            t = HostTensor.of(readOnly ? bytes.asReadOnlyBuffer().order(ByteOrder.nativeOrder()) : bytes, type, shape);
        } else {
            t = tensor(readOnly ? readOnly(typed) : typed, type, shape);
        }
        return new SoakMemory(t, array, typed, type);
    }

    /** @return the tensor over this memory */
    HostTensor tensor() {
        return tensor;
    }

    /** @return the values the memory holds now */
    double[] read() {
        if (typed != null) {
            switch (type) {
                case FLOAT32 -> ((FloatBuffer) typed).get(0, (float[]) array);
                case FLOAT64 -> ((DoubleBuffer) typed).get(0, (double[]) array);
                default -> ((ShortBuffer) typed).get(0, (short[]) array);
            }
        }
        return FamilyCheck.doubles(array, type);
    }

    private static Buffer readOnly(Buffer b) {
        if (b instanceof FloatBuffer f) {
            return f.asReadOnlyBuffer();
        }
        if (b instanceof DoubleBuffer d) {
            return d.asReadOnlyBuffer();
        }
        return ((ShortBuffer) b).asReadOnlyBuffer();
    }

    private static HostTensor tensor(Buffer b, ElementType type, long[] shape) {
        if (b instanceof FloatBuffer f) {
            return HostTensor.of(f, shape);
        }
        if (b instanceof DoubleBuffer d) {
            return HostTensor.of(d, shape);
        }
        return HostTensor.of((ShortBuffer) b, type, shape);
    }
}
