/*
 * Reads files written by real NumPy 1.24 (src/test/resources/npy/make_fixtures.py): every
 * supported dtype, byte order, header version and rank must come back with NumPy's values, and
 * every unsupported kind of file must be refused with its own message.
 */
package io.github.softmaxcl.npy;

import static io.github.softmaxcl.npy.NpyTestSupport.fixture;
import static io.github.softmaxcl.npy.NpyTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class NpyFixturesTest {

    @ParameterizedTest(name = "{0}")
    @CsvSource({
        // file,            dtype,   order,  shape,  rows, cols, dataOffset
        "f4_2x3.npy,        FLOAT32, LITTLE, 2x3,    2,    3,    128",
        "f8_scalar.npy,     FLOAT64, LITTLE, '',     1,    1,    128",
        "f8_7.npy,          FLOAT64, LITTLE, 7,      1,    7,    128",
        "f4_2x3x4.npy,      FLOAT32, LITTLE, 2x3x4,  6,    4,    128",
        "f4_be_3x5.npy,     FLOAT32, BIG,    3x5,    3,    5,    128",
        "f8_be_4x3.npy,     FLOAT64, BIG,    4x3,    4,    3,    128",
        "f2_3x4.npy,        FLOAT16, LITTLE, 3x4,    3,    4,    128",
        "f2_be_2x3.npy,     FLOAT16, BIG,    2x3,    2,    3,    128",
        "f4_v2_2x3.npy,     FLOAT32, LITTLE, 2x3,    2,    3,    128",
        "f4_v3_2x3.npy,     FLOAT32, LITTLE, 2x3,    2,    3,    128",
        "f4_empty_0x5.npy,  FLOAT32, LITTLE, 0x5,    0,    5,    128",
    })
    void readsNumpyFloatFixtures(String name, NpyDType dtype, String order, String shape,
            long rows, long cols, long dataOffset) throws IOException {
        try (NpyReader r = NpyReader.open(fixture(name))) {
            NpyHeader h = r.header();
            assertEquals(dtype, h.dtype());
            assertEquals(order.equals("BIG") ? ByteOrder.BIG_ENDIAN : ByteOrder.LITTLE_ENDIAN,
                    h.byteOrder());
            assertArrayEquals(parseShape(shape), h.shape());
            assertEquals(rows, h.rows());
            assertEquals(cols, h.cols());
            assertEquals(dataOffset, h.dataOffset());
            assertFalse(h.fortranOrder());

            double[] doubles = r.readAllDoubles();
            assertEquals(h.elementCount(), doubles.length);
            for (int i = 0; i < doubles.length; i++) {
                assertEquals(value(i), doubles[i], 0.0, "element " + i);
            }
            if (dtype != NpyDType.FLOAT64) {
                float[] floats = r.readAllFloats();
                for (int i = 0; i < floats.length; i++) {
                    assertEquals((float) value(i), floats[i], 0.0f, "element " + i);
                }
            }
        }
    }

    @Test
    void scalarHasOneElementAndNoAxes() throws IOException {
        NpyHeader h = NpyReader.readHeader(fixture("f8_scalar.npy"));
        assertEquals(0, h.ndim());
        assertEquals(1, h.elementCount());
        assertEquals(8, h.dataBytes());
        assertEquals("()", h.shapeString());
    }

    @Test
    void readsBoolMask() throws IOException {
        try (NpyReader r = NpyReader.open(fixture("b1_2x5.npy"))) {
            assertEquals(NpyDType.BOOL, r.header().dtype());
            boolean[] mask = r.readAllBooleans();
            assertEquals(10, mask.length);
            for (int i = 0; i < mask.length; i++) {
                assertEquals(i % 3 == 0, mask[i], "element " + i);
            }
            NpyFormatException e = assertThrows(NpyFormatException.class, r::readAllFloats);
            assertTrue(e.getMessage().contains("dtype bool cannot be read as float32"), e.getMessage());
        }
    }

    @Test
    void float64IsNotSilentlyNarrowedToFloat() throws IOException {
        try (NpyReader r = NpyReader.open(fixture("f8_7.npy"))) {
            NpyFormatException e = assertThrows(NpyFormatException.class, r::readAllFloats);
            assertTrue(e.getMessage().contains("without losing precision"), e.getMessage());
            assertThrows(NpyFormatException.class, r::readAllBooleans);
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
        "f4_fortran_3x4.npy | Fortran-order (column-major) arrays are not supported (shape (3, 4)); save with np.ascontiguousarray",
        "i4_2x3.npy         | integer dtype <i4 is not supported; convert to float32 or float64",
        "c8_3.npy           | complex dtype <c8 is not supported",
        "u3_2.npy           | string dtype <U3 is not supported",
        "object_2.npy       | object arrays are not supported; this reader never unpickles",
        "structured_2.npy   | structured (record) dtypes are not supported",
    })
    void refusesUnsupportedNumpyFiles(String name, String message) {
        Path file = fixture(name);
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpyReader.open(file));
        assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        assertTrue(e.problem().contains(message), e.getMessage());
        assertEquals(file, e.file());
    }

    private static long[] parseShape(String s) {
        if (s == null || s.isEmpty()) {
            return new long[0];
        }
        String[] parts = s.split("x");
        long[] shape = new long[parts.length];
        for (int i = 0; i < parts.length; i++) {
            shape[i] = Long.parseLong(parts[i]);
        }
        return shape;
    }
}
