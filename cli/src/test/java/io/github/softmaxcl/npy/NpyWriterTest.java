/*
 * NpyWriter: files it writes read back through NpyReader, are byte-for-byte what NumPy writes
 * for the same array, and appear under the target name only after a successful commit.
 */
package io.github.softmaxcl.npy;

import io.github.softmaxcl.reference.Float16;
import static io.github.softmaxcl.npy.NpyTestSupport.fixture;
import static io.github.softmaxcl.npy.NpyTestSupport.value;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class NpyWriterTest {
    @TempDir
    Path dir;

    private List<String> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** Writes value(i) for every element, in chunks of {@code chunkElements}. */
    private static void writeValues(NpyWriter w, int chunkElements) throws IOException {
        NpyDType t = w.header().dtype();
        long n = w.header().elementCount();
        ByteBuffer buf = ByteBuffer.allocate(chunkElements * t.itemSize()).order(ByteOrder.nativeOrder());
        for (long i = 0; i < n; ) {
            buf.clear();
            long end = Math.min(n, i + chunkElements);
            for (; i < end; i++) {
                double v = value(i);
                switch (t) {
                    case FLOAT16 -> buf.putShort(Float16.fromFloat((float) v));
                    case FLOAT32 -> buf.putFloat((float) v);
                    case FLOAT64 -> buf.putDouble(v);
                    case BOOL -> buf.put((byte) (i % 3 == 0 ? 1 : 0));
                }
            }
            w.write(buf.flip());
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "FLOAT32, f4_2x3.npy,       2x3",
        "FLOAT64, f8_scalar.npy,    ''",
        "FLOAT64, f8_7.npy,         7",
        "FLOAT32, f4_2x3x4.npy,     2x3x4",
        "FLOAT16, f2_3x4.npy,       3x4",
        "BOOL,    b1_2x5.npy,       2x5",
        "FLOAT32, f4_empty_0x5.npy, 0x5",
    })
    void writesTheSameBytesAsNumpy(NpyDType dtype, String fixture, String shape) throws IOException {
        Path target = dir.resolve("out.npy");
        try (NpyWriter w = NpyWriter.create(target, dtype, parseShape(shape))) {
            writeValues(w, 5);
            w.commit();
        }
        assertArrayEquals(Files.readAllBytes(fixture(fixture)), Files.readAllBytes(target));
        assertEquals(List.of("out.npy"), listDir());
    }

    @ParameterizedTest(name = "{0} {1}")
    @CsvSource({
        "FLOAT16, 7x13",
        "FLOAT32, 3x1x1000",
        "FLOAT64, 1",
        "FLOAT64, 0",
        "BOOL,    4x4x4",
        "FLOAT32, ''",
        "FLOAT32, 99999",
    })
    void roundTrips(NpyDType dtype, String shape) throws IOException {
        Path target = dir.resolve("rt.npy");
        long[] dims = parseShape(shape);
        try (NpyWriter w = NpyWriter.create(target, dtype, dims)) {
            writeValues(w, 17);
            assertEquals(w.header().dataBytes(), w.bytesWritten());
            w.commit();
        }
        try (NpyReader r = NpyReader.open(target)) {
            assertArrayEquals(dims, r.header().shape());
            assertEquals(dtype, r.header().dtype());
            assertEquals(0, r.header().dataOffset() % 64, "data is 64-byte aligned like NumPy's");
            if (dtype == NpyDType.BOOL) {
                boolean[] b = r.readAllBooleans();
                for (int i = 0; i < b.length; i++) {
                    assertEquals(i % 3 == 0, b[i]);
                }
            } else {
                double[] d = r.readAllDoubles();
                assertEquals(r.header().elementCount(), d.length);
                for (int i = 0; i < d.length; i++) {
                    double expected = dtype == NpyDType.FLOAT16
                            ? Float16.toFloat(Float16.fromFloat((float) value(i)))
                            : dtype == NpyDType.FLOAT32 ? (float) value(i) : value(i);
                    assertEquals(expected, d[i], 0.0, "element " + i);
                }
            }
        }
    }

    @Test
    void convenienceWritersRoundTrip() throws IOException {
        float[] f = {1.5f, -2f, Float.NaN, Float.NEGATIVE_INFINITY, 0f, -0f};
        Path fp = dir.resolve("f.npy");
        NpyWriter.writeFloats(fp, new long[] {2, 3}, f);
        try (NpyReader r = NpyReader.open(fp)) {
            assertArrayEquals(f, r.readAllFloats());
        }
        double[] d = {Math.PI, -Double.MIN_VALUE, 1e300};
        Path dp = dir.resolve("d.npy");
        NpyWriter.writeDoubles(dp, new long[] {3}, d);
        try (NpyReader r = NpyReader.open(dp)) {
            assertArrayEquals(d, r.readAllDoubles());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NpyWriter.writeFloats(dir.resolve("bad.npy"), new long[] {2, 2}, f));
        assertTrue(e.getMessage().contains("data has 6 elements but shape (2, 2) has 4"), e.getMessage());
        assertEquals(List.of("d.npy", "f.npy"), listDir());
    }

    @Test
    void closeWithoutCommitLeavesNothing() throws IOException {
        Path target = dir.resolve("partial.npy");
        try (NpyWriter w = NpyWriter.create(target, NpyDType.FLOAT32, new long[] {10, 10})) {
            writeValues(w, 3);
            assertEquals(1, listDir().size(), "only the temporary file exists while writing");
            assertTrue(listDir().get(0).startsWith(".partial.npy"), listDir().toString());
        }
        assertEquals(List.of(), listDir());
    }

    @Test
    void commitWithTooFewBytesThrowsAndLeavesNothing() throws IOException {
        Path target = dir.resolve("short.npy");
        NpyWriter w = NpyWriter.create(target, NpyDType.FLOAT64, new long[] {2, 3});
        w.write(ByteBuffer.allocate(40).order(ByteOrder.nativeOrder()));
        IOException e = assertThrows(IOException.class, w::commit);
        assertTrue(e.getMessage().contains(target.toString()), e.getMessage());
        assertTrue(e.getMessage().contains("expected 48 data bytes for shape (2, 3) float64 but 40 were written"),
                e.getMessage());
        assertEquals(List.of(), listDir());
        assertThrows(IllegalStateException.class, w::commit);
        w.close(); // idempotent
        assertEquals(List.of(), listDir());
    }

    @Test
    void writingPastTheDeclaredSizeIsRefused() throws IOException {
        Path target = dir.resolve("long.npy");
        try (NpyWriter w = NpyWriter.create(target, NpyDType.FLOAT32, new long[] {2})) {
            w.write(ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()));
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> w.write(ByteBuffer.allocate(8).order(ByteOrder.nativeOrder())));
            assertTrue(e.getMessage().contains("writing 8 more bytes"), e.getMessage());
            assertThrows(IllegalArgumentException.class,
                    () -> w.write(ByteBuffer.allocate(4).order(
                            ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN
                                    ? ByteOrder.LITTLE_ENDIAN : ByteOrder.BIG_ENDIAN)));
        }
        assertEquals(List.of(), listDir());
    }

    @Test
    void existingTargetIsReplacedOnlyOnCommit() throws IOException {
        Path target = dir.resolve("data.npy");
        Files.writeString(target, "old contents");
        try (NpyWriter w = NpyWriter.create(target, NpyDType.FLOAT32, new long[] {4})) {
            writeValues(w, 2);
            assertEquals("old contents", Files.readString(target));
        }
        assertEquals("old contents", Files.readString(target), "abandoned writer kept the old file");

        try (NpyWriter w = NpyWriter.create(target, NpyDType.FLOAT32, new long[] {4})) {
            writeValues(w, 4);
            assertEquals("old contents", Files.readString(target));
            w.commit();
            assertThrows(IllegalStateException.class,
                    () -> w.write(ByteBuffer.allocate(0).order(ByteOrder.nativeOrder())));
        }
        try (NpyReader r = NpyReader.open(target)) {
            assertArrayEquals(new float[] {-1.25f, -0.75f, -0.25f, 0.25f}, r.readAllFloats());
        }
        assertEquals(List.of("data.npy"), listDir());
    }

    @Test
    void committedFileHasOrdinaryPermissions() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"),
                "permissions are only compared on POSIX file systems");
        Path plain = Files.createFile(dir.resolve("plain"));
        Path target = dir.resolve("perm.npy");
        NpyWriter.writeFloats(target, new long[] {1}, new float[] {1f});
        assertEquals(PosixFilePermissions.toString(Files.getPosixFilePermissions(plain)),
                PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
    }

    @Test
    void switchesToVersion2WhenTheHeaderOutgrowsVersion1() throws IOException {
        long[] shape = new long[25_000];
        java.util.Arrays.fill(shape, 1);
        shape[0] = 3;
        Path target = dir.resolve("v2.npy");
        NpyWriter.writeFloats(target, shape, new float[] {1f, 2f, 3f});
        byte[] head = new byte[8];
        try (var in = Files.newInputStream(target)) {
            assertEquals(8, in.readNBytes(head, 0, 8));
        }
        assertEquals(2, head[6], "major version");
        try (NpyReader r = NpyReader.open(target)) {
            assertEquals(25_000, r.header().ndim());
            assertEquals(0, r.header().dataOffset() % 64);
            assertArrayEquals(new float[] {1f, 2f, 3f}, r.readAllFloats());
        }
        // A small header stays at version 1.0.
        NpyWriter.writeFloats(target, new long[] {3}, new float[] {1f, 2f, 3f});
        try (var in = Files.newInputStream(target)) {
            assertEquals(8, in.readNBytes(head, 0, 8));
        }
        assertEquals(1, head[6]);
    }

    @Test
    void invalidShapesAreRefusedBeforeAnyFileExists() throws IOException {
        Path target = dir.resolve("x.npy");
        IllegalArgumentException neg = assertThrows(IllegalArgumentException.class,
                () -> NpyWriter.create(target, NpyDType.FLOAT32, new long[] {2, -1}));
        assertTrue(neg.getMessage().contains("negative dimension -1 in shape (2, -1)"), neg.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> NpyWriter.create(target, NpyDType.FLOAT32, new long[] {1L << 40, 1L << 40}));
        assertTrue(big.getMessage().contains("has more elements than fit in a long"), big.getMessage());
        assertFalse(Files.exists(target));
        assertEquals(List.of(), listDir());
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
