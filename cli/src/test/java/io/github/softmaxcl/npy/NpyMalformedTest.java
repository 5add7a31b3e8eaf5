/*
 * A corpus of broken and hostile .npy files built byte by byte: each must be refused on open,
 * before any allocation sized from the header, with a message naming the file and the specific
 * problem. Also covers the header variants the parser must accept although NumPy 1.24 does not
 * write them (other key orders, older padding, Python 2 longs, 1-axis Fortran arrays).
 */
package io.github.softmaxcl.npy;

import static io.github.softmaxcl.npy.NpyTestSupport.concat;
import static io.github.softmaxcl.npy.NpyTestSupport.dict;
import static io.github.softmaxcl.npy.NpyTestSupport.header;
import static io.github.softmaxcl.npy.NpyTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NpyMalformedTest {
    @TempDir
    Path dir;

    private void assertRefused(Path file, String phrase) {
        NpyFormatException e = assertThrows(NpyFormatException.class, () -> NpyReader.open(file));
        assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
        assertTrue(e.getMessage().contains(phrase),
                "expected '" + phrase + "' in: " + e.getMessage());
    }

    private static byte[] floats(int n) {
        return new byte[n * 4];
    }

    @Test
    void badMagic() throws IOException {
        byte[] good = concat(header(1, 0, dict("<f4", "(2,)")), floats(2));
        byte[] bad = good.clone();
        bad[1] = 'n';
        assertRefused(writeFile(dir, "bad-magic.npy", bad), "bad magic");
    }

    @Test
    void tooShortForTheMagic() throws IOException {
        assertRefused(writeFile(dir, "tiny.npy", new byte[] {(byte) 0x93, 'N', 'U'}),
                "too short to be a .npy file (3 bytes)");
        assertRefused(writeFile(dir, "empty.npy", new byte[0]), "(0 bytes)");
    }

    @Test
    void unknownVersion() throws IOException {
        assertRefused(writeFile(dir, "v4.npy", concat(header(4, 0, dict("<f4", "(2,)")), floats(2))),
                "unsupported .npy format version 4.0 (supported: 1.0, 2.0, 3.0)");
        assertRefused(writeFile(dir, "v1.1.npy", concat(header(1, 1, dict("<f4", "(2,)")), floats(2))),
                "unsupported .npy format version 1.1");
    }

    @Test
    void truncatedInsideTheLengthField() throws IOException {
        byte[] full = header(2, 0, dict("<f4", "(2,)"));
        assertRefused(writeFile(dir, "cut-length.npy", Arrays.copyOf(full, 10)),
                "the file ends after 10 bytes, inside the header length field");
    }

    @Test
    void truncatedHeader() throws IOException {
        byte[] full = header(1, 0, dict("<f4", "(2,)"));
        assertRefused(writeFile(dir, "cut-header.npy", Arrays.copyOf(full, 30)),
                "header is truncated: header length " + (full.length - 10)
                        + " runs past the end of the file (30 bytes)");
    }

    @Test
    void headerLengthLargerThanFile() throws IOException {
        byte[] bytes = concat(header(2, 0, dict("<f4", "(2,)")), floats(2));
        ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN).putInt(8, 0x7fff_fff0);
        assertRefused(writeFile(dir, "huge-length.npy", bytes),
                "header length 2147483632 runs past the end of the file");
    }

    @Test
    void headerLengthOverTheCapIsRefusedBeforeAllocating() throws IOException {
        String text = dict("<f4", "(2,)");
        String padded = text.strip() + " ".repeat(NpyHeaderCodec.MAX_HEADER_BYTES) + "\n";
        assertRefused(writeFile(dir, "long-header.npy", concat(header(2, 0, padded), floats(2))),
                "exceeds the limit of " + NpyHeaderCodec.MAX_HEADER_BYTES + " bytes");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '#', quoteCharacter = '"', value = {
        "garbage         # not a dict at all                                                              # malformed header: expected '{' at character 0, found 'n'",
        "unclosed        # {'descr': '<f4', 'fortran_order': False, 'shape': (2,),                          # malformed header: it ends early",
        "missing-shape   # {'descr': '<f4', 'fortran_order': False, }                                     # header has no 'shape' key",
        "missing-descr   # {'fortran_order': False, 'shape': (2,), }                                      # header has no 'descr' key",
        "duplicate       # {'descr': '<f4', 'descr': '<f4', 'fortran_order': False, 'shape': (2,), }      # duplicate key 'descr' in header",
        "unknown-key     # {'descr': '<f4', 'fortran_order': False, 'shape': (2,), 'extra': True}         # unknown key 'extra' in header",
        "negative-dim    # {'descr': '<f4', 'fortran_order': False, 'shape': (2, -3), }                   # negative dimension -3 in shape",
        "float-dim       # {'descr': '<f4', 'fortran_order': False, 'shape': (2.0,), }                    # expected an integer dimension at character",
        "name-dim        # {'descr': '<f4', 'fortran_order': False, 'shape': (n,), }                      # expected a non-negative integer dimension",
        "huge-dim        # {'descr': '<f4', 'fortran_order': False, 'shape': (99999999999999999999,), }   # dimension 99999999999999999999 does not fit in a long",
        "not-a-tuple     # {'descr': '<f4', 'fortran_order': False, 'shape': (2), }                       # 'shape' must be a tuple, found (2) without a comma",
        "shape-string    # {'descr': '<f4', 'fortran_order': False, 'shape': '2', }                       # 'shape' must be a tuple of integers, found '2'",
        "fortran-string  # {'descr': '<f4', 'fortran_order': 'no', 'shape': (2,), }                       # 'fortran_order' must be True or False, found 'no'",
        "descr-tuple     # {'descr': (4,), 'fortran_order': False, 'shape': (2,), }                       # 'descr' must be a string, found (4,)",
        "trailing-junk   # {'descr': '<f4', 'fortran_order': False, 'shape': (2,), } x                    # expected the end of the header after the dict",
        "trueish         # {'descr': '<f4', 'fortran_order': Truely, 'shape': (2,), }                     # expected a string, True, False or a tuple as the value of 'fortran_order'",
        "escape          # {'descr': '<f\\x34', 'fortran_order': False, 'shape': (2,), }                  # a plain string without escapes",
        "bad-order       # {'descr': '|f4', 'fortran_order': False, 'shape': (2,), }                      # dtype |f4 has byte order '|' (not applicable), which is only valid for one-byte types",
        "longdouble      # {'descr': '<f16', 'fortran_order': False, 'shape': (2,), }                     # dtype <f16 is not supported; only float16, float32, float64 and bool are",
        "uint            # {'descr': '<u2', 'fortran_order': False, 'shape': (2,), }                      # integer dtype <u2 is not supported; convert to float32 or float64",
        "datetime        # {'descr': '<M8[ns]', 'fortran_order': False, 'shape': (2,), }                  # datetime/timedelta dtype <M8[ns] is not supported",
        "void            # {'descr': '|V8', 'fortran_order': False, 'shape': (2,), }                      # void/structured dtype |V8 is not supported",
        "empty-descr     # {'descr': '', 'fortran_order': False, 'shape': (2,), }                         # empty dtype descriptor",
        "record          # {'descr': [('x', '<f4')], 'fortran_order': False, 'shape': (2,), }             # structured (record) dtypes are not supported",
    })
    void malformedDict(String name, String text, String phrase) throws IOException {
        // Enough data for 2 float32 elements, so the only thing wrong is the header.
        Path file = writeFile(dir, name + ".npy", concat(header(1, 0, text.strip() + "\n"), floats(2)));
        assertRefused(file, phrase);
    }

    @Test
    void truncatedData() throws IOException {
        Path file = writeFile(dir, "short-data.npy",
                concat(header(1, 0, dict("<f4", "(2, 3)")), floats(5)));
        assertRefused(file, "data is truncated: expected 24 bytes after the header, file has 20");
    }

    @Test
    void extraData() throws IOException {
        Path file = writeFile(dir, "long-data.npy",
                concat(header(1, 0, dict("<f8", "(2,)")), new byte[16 + 3]));
        assertRefused(file, "file has 3 extra bytes: expected 16 bytes after the header, file has 19");
    }

    @Test
    void elementCountOverflowsALong() throws IOException {
        Path file = writeFile(dir, "overflow.npy",
                concat(header(1, 0, dict("<f4", "(4294967296, 4294967296)")), floats(1)));
        assertRefused(file, "shape (4294967296, 4294967296) has more elements than fit in a long");
    }

    @Test
    void byteCountOverflowsALong() throws IOException {
        Path file = writeFile(dir, "overflow-bytes.npy",
                concat(header(1, 0, dict("<f8", "(4611686018427387904,)")), floats(1)));
        assertRefused(file, "shape (4611686018427387904,) of float64 needs more bytes than fit in a long");
    }

    @Test
    void rowsOverflowEvenWithoutElements() throws IOException {
        Path file = writeFile(dir, "overflow-rows.npy",
                concat(header(1, 0, dict("<f4", "(4294967296, 4294967296, 0)")), new byte[0]));
        assertRefused(file, "has more elements than fit in a long");
    }

    @Test
    void invalidUtf8InVersion3Header() throws IOException {
        byte[] bytes = concat(header(3, 0, dict("<f4", "(2,)")), floats(2));
        bytes[14] = (byte) 0xff; // inside 'descr'
        assertRefused(writeFile(dir, "bad-utf8.npy", bytes), "version 3.0 header is not valid UTF-8");
    }

    @Test
    void fortranOrderWithOneLongAxisIsTheSameAsCOrder() throws IOException {
        String text = "{'descr': '<f4', 'fortran_order': True, 'shape': (1, 3, 1), }\n";
        ByteBuffer data = ByteBuffer.allocate(12).order(ByteOrder.LITTLE_ENDIAN)
                .putFloat(1f).putFloat(2f).putFloat(3f);
        Path file = writeFile(dir, "fortran-row.npy", concat(header(1, 0, text), data.array()));
        try (NpyReader r = NpyReader.open(file)) {
            assertTrue(r.header().fortranOrder());
            assertArrayEquals(new float[] {1f, 2f, 3f}, r.readAllFloats());
        }
        String matrix = "{'descr': '<f4', 'fortran_order': True, 'shape': (3, 2), }\n";
        assertRefused(writeFile(dir, "fortran-matrix.npy", concat(header(1, 0, matrix), floats(6))),
                "Fortran-order (column-major) arrays are not supported (shape (3, 2))");
    }

    @Test
    void acceptsOtherSpellingsOfTheSameHeader() throws IOException {
        // Keys reordered, double quotes, no trailing commas, tabs, Python 2 longs, '=' order,
        // NumPy < 1.23 style 16-byte padding.
        String text = "{\"shape\": (2L,\t3L), 'fortran_order': False, 'descr': '=f4'}   \n";
        Path file = writeFile(dir, "variant.npy", concat(header(1, 0, text), floats(6)));
        NpyHeader h = NpyReader.readHeader(file);
        assertArrayEquals(new long[] {2, 3}, h.shape());
        assertEquals(NpyDType.FLOAT32, h.dtype());
        assertEquals(ByteOrder.nativeOrder(), h.byteOrder());
        assertEquals(10 + text.length(), h.dataOffset());
    }

    @Test
    void readElementsChecksItsArguments() throws IOException {
        Path file = writeFile(dir, "six.npy", concat(header(1, 0, dict("<f4", "(2, 3)")), floats(6)));
        try (NpyReader r = NpyReader.open(file)) {
            ByteBuffer wrongOrder = ByteBuffer.allocate(8).order(
                    ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN ? ByteOrder.BIG_ENDIAN
                            : ByteOrder.LITTLE_ENDIAN);
            IllegalArgumentException order = assertThrows(IllegalArgumentException.class,
                    () -> r.readElements(0, wrongOrder));
            assertTrue(order.getMessage().contains("native byte order"), order.getMessage());

            ByteBuffer partial = ByteBuffer.allocate(6).order(ByteOrder.nativeOrder());
            IllegalArgumentException whole = assertThrows(IllegalArgumentException.class,
                    () -> r.readElements(0, partial));
            assertTrue(whole.getMessage().contains("not a whole number of 4-byte float32"),
                    whole.getMessage());

            ByteBuffer two = ByteBuffer.allocate(8).order(ByteOrder.nativeOrder());
            IndexOutOfBoundsException past = assertThrows(IndexOutOfBoundsException.class,
                    () -> r.readElements(5, two));
            assertTrue(past.getMessage().contains("elements [5, 7) are outside"), past.getMessage());
            assertThrows(IndexOutOfBoundsException.class, () -> r.readElements(-1, two));
            assertThrows(IndexOutOfBoundsException.class, () -> r.readElements(Long.MAX_VALUE, two));
            r.readElements(4, two);
            assertEquals(8, two.position());
        }
    }
}
