/*
 * The README's library example, line for line with concrete data, so the documented API compiles
 * and runs as shown; each result is checked against the reference.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import io.github.softmaxcl.reference.FamilyCheck;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import org.junit.jupiter.api.Test;

class ReadmeExampleTest {
    @Test
    void theLibraryExampleRunsAsDocumented() {
        int rows = 64;
        int cols = 300;
        float[] logits = Inputs.floats(Pattern.ADVERSARIAL, rows, cols, 1);
        double[] logits64 = Inputs.doubles(Pattern.ADVERSARIAL, rows, cols, 2);
        float[] scores = Inputs.floats(Pattern.RANDOM, rows, cols, 3);
        float[] out = new float[rows * cols];
        boolean[] keepRow = new boolean[cols];
        for (int i = 0; i < cols; i++) {
            keepRow[i] = i % 5 != 0;
        }
        FloatBuffer directIn = ByteBuffer.allocateDirect(rows * cols * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer().put(scores).flip();
        FloatBuffer directOut = ByteBuffer.allocateDirect(rows * cols * 4).order(ByteOrder.nativeOrder())
                .asFloatBuffer();
        short[] halfBits = (short[]) FamilyCheck.array(Inputs.doubles(Pattern.RANDOM, 1, 8 * 1024 * 64, 4),
                ElementType.FLOAT16);
        short[] halfOut = new short[halfBits.length];
        float[] gradOut = Inputs.floats(Pattern.RANDOM, rows, cols, 5);
        float[] gradIn = new float[rows * cols];

        try (SoftmaxEngine engine = SoftmaxEngine.create()) {
            float[] probs = engine.softmax(logits, rows, cols);
            double[] logp = engine.logSoftmax(logits64, rows, cols);

            SoftmaxPrimitive attn = engine.prepare(
                    SoftmaxOp.softmax().withTemperature(0.7).withMask(keepRow).withMaskedRows(MaskedRows.ZERO),
                    ElementType.FLOAT32, rows, cols);
            attn.forward(HostTensor.of(scores, rows, cols), HostTensor.of(out, rows, cols));
            attn.forward(HostTensor.of(directIn, rows, cols), HostTensor.of(directOut, rows, cols));

            engine.forward(HostTensor.of(halfBits, ElementType.FLOAT16, 8, 1024, 64),
                    HostTensor.of(halfOut, ElementType.FLOAT16, 8, 1024, 64), SoftmaxOp.logSoftmax().withAxis(1));
            engine.backward(HostTensor.of(probs, rows, cols), HostTensor.of(gradOut, rows, cols),
                    HostTensor.of(gradIn, rows, cols), SoftmaxOp.softmax());

            float[] again = new float[probs.length];
            try (DeviceTensor t = engine.upload(HostTensor.of(logits, rows, cols))) {
                engine.forward(t, t, SoftmaxOp.softmax());
                t.download(HostTensor.of(again, rows, cols));
            }

            long[] s = {rows, cols};
            byte[] mask = new byte[cols];
            for (int i = 0; i < cols; i++) {
                mask[i] = keepRow[i] ? (byte) 1 : 0;
            }
            SoftmaxOp attnOp = SoftmaxOp.softmax().withTemperature(0.7).withMaskedRows(MaskedRows.ZERO);
            assertTrue(FamilyCheck.compareForward(widen(logits), widen(probs), s, -1, ElementType.FLOAT32,
                    SoftmaxOp.softmax(), null).passed());
            assertTrue(FamilyCheck.compareForward(logits64, logp, s, -1, ElementType.FLOAT64, SoftmaxOp.logSoftmax(),
                    null).passed());
            assertTrue(FamilyCheck.compareForward(widen(scores), widen(out), s, -1, ElementType.FLOAT32, attnOp,
                    mask).passed());
            float[] direct = new float[out.length];
            directOut.get(0, direct);
            assertArrayEquals(out, direct, "direct buffers give the bits of arrays");
            long[] nd = {8, 1024, 64};
            assertTrue(FamilyCheck.compareForward(FamilyCheck.doubles(halfBits, ElementType.FLOAT16),
                    FamilyCheck.doubles(halfOut, ElementType.FLOAT16), nd, 1, ElementType.FLOAT16,
                    SoftmaxOp.logSoftmax(), null).passed());
            assertTrue(FamilyCheck.compareBackward(widen(probs), widen(gradOut), widen(gradIn), s, -1,
                    ElementType.FLOAT32, SoftmaxOp.softmax()).passed());
            assertArrayEquals(probs, again, "device tensors give the bits of arrays");
        }
    }

    private static double[] widen(float[] f) {
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) {
            d[i] = f[i];
        }
        return d;
    }
}
