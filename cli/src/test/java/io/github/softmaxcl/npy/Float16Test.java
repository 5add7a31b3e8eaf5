/*
 * Float16 conversions against NumPy's own float32 -> float16 casts (rounding ties to even,
 * overflow, subnormals, NaN) and exhaustively over all 65536 half-precision bit patterns.
 */
package io.github.softmaxcl.npy;

import io.github.softmaxcl.reference.Float16;
import static io.github.softmaxcl.npy.NpyTestSupport.fixture;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.junit.jupiter.api.Test;

class Float16Test {

    @Test
    void matchesNumpyRounding() throws IOException {
        float[] source;
        float[] widened;
        short[] halves;
        try (NpyReader r = NpyReader.open(fixture("rounding_f4.npy"))) {
            source = r.readAllFloats();
        }
        try (NpyReader r = NpyReader.open(fixture("rounding_f2_as_f4.npy"))) {
            widened = r.readAllFloats();
        }
        try (NpyReader r = NpyReader.open(fixture("rounding_f2.npy"))) {
            assertEquals(NpyDType.FLOAT16, r.header().dtype());
            ByteBuffer buf = ByteBuffer.allocate((int) r.header().dataBytes()).order(ByteOrder.nativeOrder());
            r.readElements(0, buf);
            buf.flip();
            halves = new short[source.length];
            buf.asShortBuffer().get(halves);
        }
        assertEquals(source.length, halves.length);
        assertTrue(source.length > 600, "fixture holds the random cases too");
        for (int i = 0; i < source.length; i++) {
            short expected = halves[i];
            short actual = Float16.fromFloat(source[i]);
            if (Float.isNaN(source[i])) {
                assertTrue(Float.isNaN(Float16.toFloat(actual)), "NaN stays NaN");
            } else {
                assertEquals(expected, actual, "fromFloat(" + source[i] + ") at " + i);
            }
            assertEquals(Float.floatToIntBits(widened[i]),
                    Float.floatToIntBits(Float16.toFloat(expected)), "toFloat at " + i);
        }
    }

    @Test
    void everyHalfSurvivesARoundTrip() {
        for (int bits = 0; bits < 0x10000; bits++) {
            short h = (short) bits;
            float f = Float16.toFloat(h);
            if (Float.isNaN(f)) {
                assertTrue((bits & 0x7c00) == 0x7c00 && (bits & 0x3ff) != 0, "NaN only from NaN bits");
                assertTrue(Float.isNaN(Float16.toFloat(Float16.fromFloat(f))));
            } else {
                assertEquals(h, Float16.fromFloat(f), "bits 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void knownValues() {
        assertEquals(65504f, Float16.toFloat((short) 0x7bff));
        assertEquals(0x1p-24f, Float16.toFloat((short) 0x0001));
        assertEquals(-2f, Float16.toFloat((short) 0xc000));
        assertEquals((short) 0x3c00, Float16.fromFloat(1f));
        assertEquals((short) 0x7c00, Float16.fromFloat(65520f), "halfway to 2^16 rounds to infinity");
        assertEquals((short) 0x7bff, Float16.fromFloat(65519.996f));
        assertEquals((short) 0x8000, Float16.fromFloat(-0x1p-26f));
    }
}
