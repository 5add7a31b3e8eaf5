/*
 * Fuzz tests of the .npy reader and header codec (Jazzer). The property: any byte string is either
 * read completely and consistently or refused with NpyFormatException; any other exception (an
 * IndexOutOfBounds, a NegativeArraySize, an OutOfMemoryError from a size taken on trust) is a
 * failure. A plain `mvn test` replays the committed seeds in NpyFuzzTestInputs/<method>/ (plus an
 * empty input); JAZZER_FUZZ=1 fuzzes one method at a time for at most its maxDuration (README,
 * "Tests").
 */
package io.github.softmaxcl.npy;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;

class NpyFuzzTest {
    /** One directory for all executions: a fuzzing run calls a method many times in one test. */
    @TempDir
    static Path dir;

    /** Writes {@code bytes} as a file, opens it, and reads everything it claims to hold. */
    static void readFully(byte[] bytes) throws IOException {
        Path file = Files.write(dir.resolve("input.npy"), bytes);
        NpyHeader h;
        try (NpyReader r = NpyReader.open(file)) {
            h = r.header();
            // open() promised that the file holds exactly the header and the data it declares.
            assertEquals(bytes.length, h.dataOffset() + h.dataBytes(), h.toString());
            assertTrue(h.dataOffset() >= 10 && h.dataOffset() <= bytes.length, h.toString());
            int n = (int) h.elementCount();
            switch (h.dtype()) {
                case FLOAT16, FLOAT32 -> assertEquals(n, r.readAllFloats().length);
                case FLOAT64 -> assertEquals(n, r.readAllDoubles().length);
                case BOOL -> assertEquals(n, r.readAllBooleans().length);
            }
            if (n > 0) {
                // The last element alone, through the streaming path.
                ByteBuffer last = ByteBuffer.allocate(h.dtype().itemSize()).order(ByteOrder.nativeOrder());
                r.readElements(n - 1, last);
                assertEquals(last.limit(), last.position());
            }
        } catch (NpyFormatException e) {
            assertTrue(e.getMessage().startsWith(file + ": "), "the message names the file: " + e.getMessage());
        }
    }

    /** Any bytes at all, as a file. Seeds: NumPy-written files and hand-broken ones. */
    @FuzzTest(maxDuration = "2m")
    void readerReadsOrRefuses(byte[] data) throws IOException {
        readFully(data);
    }

    /**
     * Aims at the dict parser: the first byte picks the format version (1, 2 or 3), the rest is the
     * header text, behind a valid magic and a correct length field, followed by a few data bytes. So
     * nearly every input reaches the parser rather than failing at the magic.
     */
    @FuzzTest(maxDuration = "2m")
    void headerTextParsesOrIsRefused(byte[] data) throws IOException {
        if (data.length == 0) {
            return;
        }
        int major = 1 + Math.floorMod(data[0], 3);
        int dataBytes = Math.floorMod(data[0] >> 2, 17);
        byte[] text = Arrays.copyOfRange(data, 1, data.length);
        if (major == 1 && text.length > 0xffff) {
            return;
        }
        int lengthBytes = major == 1 ? 2 : 4;
        ByteBuffer file = ByteBuffer.allocate(8 + lengthBytes + text.length + dataBytes).order(ByteOrder.LITTLE_ENDIAN);
        file.put(NpyHeaderCodec.MAGIC).put((byte) major).put((byte) 0);
        if (major == 1) {
            file.putShort((short) text.length);
        } else {
            file.putInt(text.length);
        }
        file.put(text);
        readFully(file.array());
    }

    /**
     * The writer's header for any supported dtype and small shape reads back as the same header,
     * with the data where the header says. Seeds: a dtype byte, then one byte per dimension.
     */
    @FuzzTest(maxDuration = "2m")
    void encodedHeadersReadBack(byte[] data) throws IOException {
        if (data.length == 0) {
            return;
        }
        NpyDType dtype = NpyDType.values()[Math.floorMod(data[0], NpyDType.values().length)];
        long[] shape = new long[Math.min(data.length - 1, 32)];
        long elements = 1;
        for (int i = 0; i < shape.length; i++) {
            // Small dimensions keep the data small; a 0 makes an empty array.
            shape[i] = Math.floorMod(data[i + 1], 5);
            elements *= shape[i];
            if (elements > (1 << 20)) {
                // Also keeps the product from overflowing (4^32 wraps to 0; a saved finding).
                return;
            }
        }
        byte[] header = NpyHeaderCodec.encode(dtype, shape);
        assertEquals(0, header.length % 64, "data starts on a 64-byte boundary");
        byte[] bytes = Arrays.copyOf(header, header.length + (int) elements * dtype.itemSize());
        Path file = Files.write(dir.resolve("encoded.npy"), bytes);
        try (NpyReader r = NpyReader.open(file)) {
            assertEquals(dtype, r.header().dtype());
            assertArrayEquals(shape, r.header().shape());
            assertEquals(header.length, r.header().dataOffset());
        }
    }
}
