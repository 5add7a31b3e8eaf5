/*
 * The public API's contract on the device: the article's examples, argument checks that name the
 * bad value before anything runs, inputs never modified, empty shapes, NIO buffers, chunking of
 * batches larger than one device buffer, and the lifecycle of the engine.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.function.Executable;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class EngineApiTest {
    private SoftmaxEngine engine;

    @BeforeAll
    void open() {
        engine = Engines.open(null, 0);
    }

    @AfterAll
    void close() {
        engine.close();
    }

    private static SoftmaxEngine open(EngineConfig c) {
        return Internals.open(c);
    }

    private static void assertSignificant(double expected, double actual) {
        assertEquals(expected, actual, Math.abs(expected) * 5e-9, "expected " + expected);
    }

    @Test
    void articleExamplesOnTheDeviceInFloat64() {
        double[] a = engine.softmax(new double[] {13, 31, 5}, 1, 3);
        assertSignificant(1.52299795e-08, a[0]);
        assertSignificant(9.99999985e-01, a[1]);
        assertSignificant(5.10908895e-12, a[2]);
        double[] b = engine.softmax(new double[] {0, 100, 0}, 1, 3);
        assertSignificant(3.72007598e-44, b[0]);
        assertEquals(1.0, b[1], 1e-15);
        assertSignificant(3.72007598e-44, b[2]);
    }

    @Test
    void nonFiniteRowsOnTheDevice() {
        float inf = Float.POSITIVE_INFINITY;
        float[] x = {1, Float.NaN, 2, 1, inf, 2, -inf, -inf, -inf, -inf, 0, -inf, 1, 2, 3};
        float[] y = engine.softmax(x, 5, 3);
        for (int i = 0; i < 9; i++) {
            assertTrue(Float.isNaN(y[i]), "element " + i + " should be NaN, got " + y[i]);
        }
        assertEquals(0f, y[9]);
        assertEquals(1f, y[10]);
        assertEquals(0f, y[11]);
        assertTrue(Math.abs(y[12] + y[13] + y[14] - 1) < 1e-6);
    }

    private static void assertIae(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    @Test
    void badArgumentsAreRejectedWithTheValue() {
        float[] x = new float[6];
        SoftmaxOp op = SoftmaxOp.softmax();
        assertIae("data must not be null", () -> engine.softmax((float[]) null, 1, 1));
        assertIae("shape[0] must be >= 0, got -2", () -> engine.softmax(x, -2, 3));
        assertIae("shape[1] must be >= 0, got -3", () -> engine.softmax(x, 2, -3));
        assertIae("array length 6 does not match shape [2, 4] (8 elements)", () -> engine.softmax(x, 2, 4));
        assertIae("array length 5 does not match shape [2, 3]", () -> engine.softmax(x, new float[5], 2, 3));
        assertIae("more elements than a long holds", () -> HostTensor.of(FloatBuffer.allocate(1),
                Long.MAX_VALUE / 2, 3));
        assertIae("buffer has 6 float32 elements remaining, shape [2, 4] needs 8",
                () -> HostTensor.of(FloatBuffer.wrap(x), 2, 4));
        assertIae("y is read-only", () -> engine.forward(HostTensor.of(x, 2, 3),
                HostTensor.of(FloatBuffer.allocate(6).asReadOnlyBuffer(), 2, 3), op));
        assertIae("y is HostTensor[float64 [2, 3]]; planned for float32 [2, 3] axis -1",
                () -> engine.forward(HostTensor.of(x, 2, 3), HostTensor.of(new double[6], 2, 3), op));
        assertIae("y is HostTensor[float32 [3, 2]]", () -> engine.forward(HostTensor.of(x, 2, 3),
                HostTensor.of(new float[6], 3, 2), op));
        assertIae("axis 2 is out of range for a 2-d tensor (use -2 to 1)",
                () -> engine.forward(HostTensor.of(x, 2, 3), HostTensor.of(new float[6], 2, 3), op.withAxis(2)));
        assertIae("mask has 4 entries; expected 6 (the tensor's shape) or 3 (one row, broadcast over all rows)",
                () -> engine.forward(HostTensor.of(x, 2, 3), HostTensor.of(new float[6], 2, 3),
                        op.withMask(new byte[4])));
        assertIae("temperature must be finite and > 0, got 0.0", () -> op.withTemperature(0));
        assertIae("short data holds float16 or bfloat16, got FLOAT32",
                () -> HostTensor.of(new short[1], ElementType.FLOAT32, 1));
        try (DeviceTensor t = engine.allocate(ElementType.FLOAT32, 2, 3)) {
            assertIae("mixing host and device tensors", () -> engine.forward(t, HostTensor.of(x, 2, 3), op));
        }
    }

    @Test
    void inPlaceOnArraysAndBuffers() {
        float[] x = Inputs.floats(Pattern.ADVERSARIAL, 40, 77, 4);
        float[] expected = engine.softmax(x, 40, 77);
        float[] y = x.clone();
        engine.softmax(y, y, 40, 77);
        assertArrayEquals(expected, y);
        FloatBuffer b = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder()).asFloatBuffer().put(x);
        HostTensor t = HostTensor.of(b.flip(), 40, 77);
        engine.forward(t, t, SoftmaxOp.softmax());
        float[] got = new float[x.length];
        b.get(0, got);
        assertArrayEquals(expected, got);
    }

    @Test
    void outputUntouchedWhenValidationFails() {
        float[] out = new float[6];
        Arrays.fill(out, 42f);
        assertThrows(IllegalArgumentException.class, () -> engine.softmax(new float[9], out, 3, 3));
        for (float v : out) {
            assertEquals(42f, v);
        }
    }

    @Test
    void emptyShapesDoNothing() {
        assertEquals(0, engine.softmax(new float[0], 0, 10).length);
        assertEquals(0, engine.softmax(new double[0], 10, 0).length);
    }

    @Test
    void directAndHeapBuffersWithPositions() {
        int rows = 33;
        int cols = 300;
        float[] x = Inputs.floats(Pattern.ADVERSARIAL, rows, cols, 3);
        float[] expected = engine.softmax(x, rows, cols);

        FloatBuffer in = ByteBuffer.allocateDirect((x.length + 5) * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
        in.position(5);
        in.slice().put(x);
        FloatBuffer out = ByteBuffer.allocateDirect((x.length + 2) * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        out.position(2);
        engine.forward(HostTensor.of(in, rows, cols), HostTensor.of(out, rows, cols), SoftmaxOp.softmax());
        assertEquals(5, in.position(), "positions are not moved");
        float[] got = new float[x.length];
        out.get(2, got);
        assertArrayEquals(expected, got);

        double[] xd = Inputs.doubles(Pattern.ADVERSARIAL, rows, cols, 3);
        DoubleBuffer outD = DoubleBuffer.allocate(xd.length);
        engine.forward(HostTensor.of(DoubleBuffer.wrap(xd), rows, cols), HostTensor.of(outD, rows, cols),
                SoftmaxOp.softmax());
        assertArrayEquals(engine.softmax(xd, rows, cols), outD.array());
    }

    @Test
    void chunkedBatchesGiveIdenticalBits() {
        int rows = 1000;
        int cols = 513;
        float[] x = Inputs.floats(Pattern.ADVERSARIAL, rows, cols, 9);
        float[] whole = engine.softmax(x, rows, cols);
        try (SoftmaxEngine small = open(EngineConfig.DEFAULT.withMaxChunkBytes(7L * cols * 4))) {
            assertArrayEquals(whole, small.softmax(x, rows, cols)); // 143 chunks of 7 rows, one of 6
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> small.softmax(new float[8 * cols], 1, 8 * cols));
            assertTrue(e.getMessage().contains("exceeds the largest buffer this device allows"), e.getMessage());
        }
    }

    @Test
    void shortRowsChunkedByTheRowGroupGiveIdenticalBits() {
        int rows = 5000;
        int cols = 10;
        float[] x = Inputs.floats(Pattern.OUTLIERS, rows, cols, 9);
        float[] whole = engine.softmax(x, rows, cols);
        int group = Internals.core(engine).rowGroup(cols, ElementType.FLOAT32);
        assertTrue(group >= 1);
        // A 40-row buffer runs in chunks of 32 rows when the group is 16: tiles stay intact.
        try (SoftmaxEngine small = open(EngineConfig.DEFAULT.withTuning(false).withMaxChunkBytes(40L * cols * 4))) {
            assertArrayEquals(whole, small.softmax(x, rows, cols));
        }
    }

    /**
     * The two-queue overlapped path (used on discrete GPUs) forced on PoCL: chunks in flight on two
     * queues, each with its own scratch, give the same bits as one call, for every variant family.
     */
    @Test
    void overlappedChunksGiveIdenticalBits() {
        int[][] shapes = {{1000, 513}, {999, 10}, {7, 70001}, {4, 3}};
        for (io.github.softmaxcl.kernel.Variant v : new io.github.softmaxcl.kernel.Variant[] {null,
                io.github.softmaxcl.kernel.Variant.CHUNKS, io.github.softmaxcl.kernel.Variant.SPLIT}) {
            try (SoftmaxEngine plain = open(EngineConfig.DEFAULT.withTuning(false).withVariant(v).withOverlap(false));
                    SoftmaxEngine overlapped = open(EngineConfig.DEFAULT.withTuning(false).withVariant(v)
                            .withOverlap(true).withPoison(true))) {
                for (int[] s : shapes) {
                    float[] x = Inputs.floats(Pattern.ADVERSARIAL, s[0], s[1], 5);
                    assertArrayEquals(plain.softmax(x, s[0], s[1]), overlapped.softmax(x, s[0], s[1]),
                            v + " " + s[0] + "x" + s[1]);
                    double[] xd = Inputs.doubles(Pattern.ADVERSARIAL, s[0], s[1], 5);
                    assertArrayEquals(plain.softmax(xd, s[0], s[1]), overlapped.softmax(xd, s[0], s[1]),
                            v + " float64 " + s[0] + "x" + s[1]);
                    // Direct buffers (what `run` passes), with positions, through the same pipeline.
                    FloatBuffer in = ByteBuffer.allocateDirect((x.length + 3) * 4).order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
                    in.position(3);
                    in.slice().put(x);
                    FloatBuffer out = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder())
                            .asFloatBuffer();
                    overlapped.forward(HostTensor.of(in, s[0], s[1]), HostTensor.of(out, s[0], s[1]),
                            SoftmaxOp.softmax());
                    float[] got = new float[x.length];
                    out.get(0, got);
                    assertArrayEquals(plain.softmax(x, s[0], s[1]), got, v + " direct " + s[0] + "x" + s[1]);
                }
            }
        }
    }

    @Test
    void closedEngineRefusesWorkAndClosesTwice() {
        SoftmaxEngine e = SoftmaxEngine.create();
        e.close();
        e.close();
        assertThrows(IllegalStateException.class, () -> e.softmax(new float[] {1}, 1, 1));
    }

    @Test
    void forcedVariantThatCannotRunTheShapeIsRefused() {
        try (SoftmaxEngine reg = open(EngineConfig.DEFAULT.withVariant(io.github.softmaxcl.kernel.Variant.REGISTERS))) {
            float[] out = new float[100_000];
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> reg.softmax(new float[100_000], out, 1, 100_000));
            assertTrue(e.getMessage().contains("cols=100000"), e.getMessage());
            assertEquals(0f, out[0], "nothing written");
        }
    }
}
