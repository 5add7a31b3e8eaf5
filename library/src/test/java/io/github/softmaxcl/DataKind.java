/*
 * The kinds of memory a caller can hand the engine, as test fixtures: each makes a tensor holding
 * given values (input) or poisoned values (output), and reads a tensor back as doubles. Offsets
 * and read-only inputs are deliberate: positions, array offsets and copy-only memory all go
 * through the one pipeline.
 */
package io.github.softmaxcl;

import io.github.softmaxcl.reference.FamilyCheck;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.nio.ShortBuffer;

/** Where test data lives. */
enum DataKind {
    /** A Java array. */
    ARRAY,
    /** An array-backed NIO buffer starting at a non-zero position (inputs read-only: copied). */
    HEAP_BUFFER,
    /** A view of a heap byte buffer (no array, not direct: copied through staging). */
    VIEW,
    /** A direct buffer at a non-zero position (zero-copy on host-unified devices). */
    DIRECT,
    /** A device tensor. */
    DEVICE;

    private static final int OFFSET = 3;

    /** A tensor and how to read it back. */
    interface Made {
        Tensor tensor();

        double[] read();
    }

    /**
     * @param e the engine (for device tensors)
     * @param values the values, already rounded to {@code type}
     * @param type element type
     * @param shape shape
     * @param input whether this is an input (heap buffers are then made read-only)
     * @return the tensor
     */
    Made make(SoftmaxEngine e, double[] values, ElementType type, long[] shape, boolean input) {
        Object array = FamilyCheck.array(values, type);
        int n = values.length;
        switch (this) {
            case ARRAY: {
                HostTensor t = FamilyCheck.tensor(array, type, shape);
                return made(t, () -> FamilyCheck.doubles(array, type));
            }
            case DEVICE: {
                DeviceTensor t = e.upload(FamilyCheck.tensor(array, type, shape));
                return made(t, () -> {
                    Object back = FamilyCheck.array(new double[n], type);
                    t.download(FamilyCheck.tensor(back, type, shape));
                    t.close();
                    return FamilyCheck.doubles(back, type);
                });
            }
            default: {
                ByteBuffer bytes = this == DIRECT
                        ? ByteBuffer.allocateDirect((n + OFFSET) * type.bytes())
                        : ByteBuffer.allocate((n + OFFSET) * type.bytes());
                bytes.order(ByteOrder.nativeOrder());
                if (this == HEAP_BUFFER) {
                    return typed(array, type, shape, input);
                }
                ByteBuffer at = bytes.position(OFFSET * type.bytes()).slice().order(ByteOrder.nativeOrder());
                java.nio.Buffer typedView = switch (type) {
                    case FLOAT32 -> at.asFloatBuffer().put((float[]) array).flip();
                    case FLOAT64 -> at.asDoubleBuffer().put((double[]) array).flip();
                    default -> at.asShortBuffer().put((short[]) array).flip();
                };
                if (input && this == VIEW) {
                    typedView = readOnly(typedView);
                }
                HostTensor t = of(typedView, type, shape);
                java.nio.Buffer view = typedView;
                return made(t, () -> read(view, type, n));
            }
        }
    }

    private static Made typed(Object array, ElementType type, long[] shape, boolean input) {
        int n = java.lang.reflect.Array.getLength(array);
        java.nio.Buffer b = switch (type) {
            case FLOAT32 -> FloatBuffer.allocate(n + OFFSET).position(OFFSET).slice().put((float[]) array).flip();
            case FLOAT64 -> DoubleBuffer.allocate(n + OFFSET).position(OFFSET).slice().put((double[]) array).flip();
            default -> ShortBuffer.allocate(n + OFFSET).position(OFFSET).slice().put((short[]) array).flip();
        };
        java.nio.Buffer used = input ? readOnly(b) : b;
        return made(of(used, type, shape), () -> read(b, type, n));
    }

    private static java.nio.Buffer readOnly(java.nio.Buffer b) {
        if (b instanceof FloatBuffer f) {
            return f.asReadOnlyBuffer();
        }
        if (b instanceof DoubleBuffer d) {
            return d.asReadOnlyBuffer();
        }
        return ((ShortBuffer) b).asReadOnlyBuffer();
    }

    private static HostTensor of(java.nio.Buffer b, ElementType type, long[] shape) {
        if (b instanceof FloatBuffer f) {
            return HostTensor.of(f, shape);
        }
        if (b instanceof DoubleBuffer d) {
            return HostTensor.of(d, shape);
        }
        return HostTensor.of((ShortBuffer) b, type, shape);
    }

    private static double[] read(java.nio.Buffer b, ElementType type, int n) {
        Object back = FamilyCheck.array(new double[n], type);
        switch (type) {
            case FLOAT32 -> ((FloatBuffer) b).get(0, (float[]) back);
            case FLOAT64 -> ((DoubleBuffer) b).get(0, (double[]) back);
            default -> ((ShortBuffer) b).get(0, (short[]) back);
        }
        return FamilyCheck.doubles(back, type);
    }

    private static Made made(Tensor t, java.util.function.Supplier<double[]> read) {
        return new Made() {
            @Override
            public Tensor tensor() {
                return t;
            }

            @Override
            public double[] read() {
                return read.get();
            }
        };
    }
}
