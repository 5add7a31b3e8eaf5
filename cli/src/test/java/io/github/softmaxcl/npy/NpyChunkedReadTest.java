/*
 * readElements is how the command line streams files larger than memory: these tests read
 * files in many chunks of odd sizes, at arbitrary offsets, with and without byte swapping, and
 * check every element against the values written.
 */
package io.github.softmaxcl.npy;

import io.github.softmaxcl.reference.Float16;
import static io.github.softmaxcl.npy.NpyTestSupport.concat;
import static io.github.softmaxcl.npy.NpyTestSupport.fixture;
import static io.github.softmaxcl.npy.NpyTestSupport.header;
import static io.github.softmaxcl.npy.NpyTestSupport.value;
import static io.github.softmaxcl.npy.NpyTestSupport.writeFile;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NpyChunkedReadTest {
    @TempDir
    Path dir;

    @ParameterizedTest(name = "chunk of {0} elements")
    @ValueSource(ints = {1, 2, 4, 7, 15})
    void bigEndianFloat32FixtureInChunks(int chunk) throws IOException {
        try (NpyReader r = NpyReader.open(fixture("f4_be_3x5.npy"))) {
            long n = r.header().elementCount();
            ByteBuffer buf = ByteBuffer.allocateDirect(chunk * 4).order(ByteOrder.nativeOrder());
            for (long first = 0; first < n; first += chunk) {
                int count = (int) Math.min(chunk, n - first);
                buf.clear().limit(count * 4);
                r.readElements(first, buf);
                buf.flip();
                for (int i = 0; i < count; i++) {
                    assertEquals((float) value(first + i), buf.getFloat(i * 4), "element " + (first + i));
                }
            }
        }
    }

    @Test
    void bigEndianFloat64AndFloat16FixturesAtOddOffsets() throws IOException {
        try (NpyReader r = NpyReader.open(fixture("f8_be_4x3.npy"))) {
            ByteBuffer buf = ByteBuffer.allocate(5 * 8 + 3).order(ByteOrder.nativeOrder());
            buf.position(3); // dst is filled from its position, not from 0
            r.readElements(6, buf);
            for (int i = 0; i < 5; i++) {
                assertEquals(value(6 + i), buf.getDouble(3 + i * 8));
            }
        }
        try (NpyReader r = NpyReader.open(fixture("f2_be_2x3.npy"))) {
            ByteBuffer buf = ByteBuffer.allocate(4).order(ByteOrder.nativeOrder());
            r.readElements(4, buf);
            assertEquals((float) value(4), Float16.toFloat(buf.getShort(0)));
            assertEquals((float) value(5), Float16.toFloat(buf.getShort(2)));
        }
    }

    /** A 3 MiB big-endian file read row by row with a buffer far smaller than the file. */
    @Test
    void fileMuchLargerThanTheChunk() throws IOException {
        int rows = 768;
        int cols = 1024;
        ByteBuffer data = ByteBuffer.allocate(rows * cols * 4).order(ByteOrder.BIG_ENDIAN);
        for (int i = 0; i < rows * cols; i++) {
            data.putFloat(i * 0.25f - 7f);
        }
        String text = "{'descr': '>f4', 'fortran_order': False, 'shape': (" + rows + ", " + cols + "), }\n";
        Path file = writeFile(dir, "big-be.npy", concat(header(1, 0, text), data.array()));

        try (NpyReader r = NpyReader.open(file)) {
            assertEquals(rows, r.header().rows());
            assertEquals(cols, r.header().cols());
            // 768 is not a multiple of 5, so the last chunk is a partial one.
            int rowsPerChunk = 5;
            ByteBuffer buf = ByteBuffer.allocateDirect(rowsPerChunk * cols * 4).order(ByteOrder.nativeOrder());
            long seen = 0;
            for (long row = 0; row < rows; row += rowsPerChunk) {
                int count = (int) Math.min(rowsPerChunk, rows - row) * cols;
                buf.clear().limit(count * 4);
                r.readElements(row * cols, buf);
                buf.flip();
                for (int i = 0; i < count; i++) {
                    long flat = row * cols + i;
                    assertEquals(flat * 0.25f - 7f, buf.getFloat(i * 4), "element " + flat);
                }
                seen += count;
            }
            assertEquals((long) rows * cols, seen);
            // readAllFloats walks the same file in its own internal chunks.
            float[] all = r.readAllFloats();
            assertEquals(rows * cols, all.length);
            assertEquals((rows * cols - 1) * 0.25f - 7f, all[all.length - 1]);
        }
    }
}
