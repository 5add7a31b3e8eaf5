/*
 * `run`: streamed in chunks it gives the same bytes as an in-memory run, for any rank and both
 * precisions; degenerate shapes work; and a failure in the middle (unreadable input, full disk)
 * exits 1 and leaves neither an output file nor a temporary file, and an existing output untouched.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.npy.NpyDType;
import io.github.softmaxcl.npy.NpyReader;
import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.verify.BackendFactory;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunCommandTest {
    private static SoftmaxEngine engine;

    @TempDir
    Path dir;

    @BeforeAll
    static void open() {
        engine = SoftmaxEngine.create();
    }

    @AfterAll
    static void close() {
        engine.close();
    }

    private Path floats(String name, long[] shape, Inputs.Pattern pattern) throws IOException {
        int cols = (int) shape[shape.length - 1];
        int rows = (int) (java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b) / Math.max(1, cols));
        Path p = dir.resolve(name);
        NpyWriter.writeFloats(p, shape, Inputs.floats(pattern, rows, cols, 7));
        return p;
    }

    /** What an in-memory run gives: the whole array through the engine at once, written by NpyWriter. */
    private Path inMemory(Path in) throws IOException {
        Path out = dir.resolve("expected-" + in.getFileName());
        try (NpyReader r = NpyReader.open(in)) {
            long[] shape = r.header().shape();
            int rows = (int) r.header().rows();
            int cols = (int) r.header().cols();
            if (r.header().dtype() == NpyDType.FLOAT32) {
                NpyWriter.writeFloats(out, shape, engine.softmax(r.readAllFloats(), rows, cols));
            } else {
                NpyWriter.writeDoubles(out, shape, engine.softmax(r.readAllDoubles(), rows, cols));
            }
        }
        return out;
    }

    private static void assertSameBytes(Path expected, Path actual) throws IOException {
        assertArrayEquals(Files.readAllBytes(expected), Files.readAllBytes(actual), actual + " vs " + expected);
    }

    private void assertOnlyFiles(String... names) throws IOException {
        try (var s = Files.list(dir)) {
            assertEquals(java.util.Set.of(names), s.map(p -> p.getFileName().toString())
                    .collect(java.util.stream.Collectors.toSet()), "files in " + dir);
        }
    }

    @Test
    void chunkedRunGivesTheBytesOfAnInMemoryRunForARank3Float32Array() throws IOException {
        Path in = floats("in.npy", new long[] {5, 41, 37}, Inputs.Pattern.ADVERSARIAL); // 205 rows
        Path out = dir.resolve("out.npy");
        Cli.Result r = Cli.run("run", in.toString(), "-o", out.toString(), "--chunk-rows", "7");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("shape (5, 41, 37) float32"), r.toString());
        assertSameBytes(inMemory(in), out);
        Path whole = dir.resolve("whole.npy");
        assertEquals(0, Cli.run("run", in.toString(), "-o", whole.toString(), "-q").code());
        assertSameBytes(out, whole);
    }

    @Test
    void chunkedRunOfFloat64WithRowsOfTheRegistersVariant() throws IOException {
        Path in = dir.resolve("in64.npy");
        NpyWriter.writeDoubles(in, new long[] {100, 300}, Inputs.doubles(Inputs.Pattern.OUTLIERS, 100, 300, 3));
        Path out = dir.resolve("out64.npy");
        // 100 rows in chunks of 33: the last chunk is short (one row).
        Cli.Result r = Cli.run("run", in.toString(), "-o", out.toString(), "--chunk-rows", "33");
        assertEquals(0, r.code(), r.toString());
        assertSameBytes(inMemory(in), out);
        try (NpyReader o = NpyReader.open(out)) {
            assertEquals(NpyDType.FLOAT64, o.header().dtype());
        }
    }

    @Test
    void scalarOneDimensionalAndEmptyArrays() throws IOException {
        Path scalar = dir.resolve("scalar.npy");
        NpyWriter.writeDoubles(scalar, new long[0], new double[] {-3.5});
        Path nanScalar = dir.resolve("nan.npy");
        NpyWriter.writeFloats(nanScalar, new long[0], new float[] {Float.NaN});
        Path vector = dir.resolve("vector.npy");
        NpyWriter.writeFloats(vector, new long[] {3}, new float[] {13, 31, 5});
        Path empty = dir.resolve("empty.npy");
        NpyWriter.writeFloats(empty, new long[] {0, 5}, new float[0]);
        Path emptyRows = dir.resolve("emptyrows.npy");
        NpyWriter.writeDoubles(emptyRows, new long[] {4, 0}, new double[0]);
        for (Path p : List.of(scalar, nanScalar, vector, empty, emptyRows)) {
            Path o = dir.resolve("o-" + p.getFileName());
            Cli.Result r = Cli.run("run", p.toString(), "-o", o.toString());
            assertEquals(0, r.code(), r.toString());
            try (NpyReader a = NpyReader.open(p); NpyReader b = NpyReader.open(o)) {
                assertArrayEquals(a.header().shape(), b.header().shape());
                assertEquals(a.header().dtype(), b.header().dtype());
            }
        }
        try (NpyReader r = NpyReader.open(dir.resolve("o-scalar.npy"))) {
            assertArrayEquals(new double[] {1.0}, r.readAllDoubles());
        }
        try (NpyReader r = NpyReader.open(dir.resolve("o-nan.npy"))) {
            assertTrue(Float.isNaN(r.readAllFloats()[0]));
        }
        try (NpyReader r = NpyReader.open(dir.resolve("o-vector.npy"))) {
            float[] y = r.readAllFloats();
            assertEquals(1.0f, y[1], 1e-6f);
            assertEquals(1.523e-8, y[0], 1e-11);
        }
    }

    /** Runs `run` with extra flags in small chunks and compares the file with the family reference. */
    private void runFamily(long[] shape, int axis, io.github.softmaxcl.SoftmaxOp o, boolean[] mask,
            boolean broadcast, NpyDType dtype, String... flags) throws IOException {
        int n = (int) java.util.Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        double[] x = Inputs.doubles(Inputs.Pattern.ADVERSARIAL, 1, n, n);
        Path in = dir.resolve("fam-in.npy");
        Path maskFile = dir.resolve("fam-mask.npy");
        io.github.softmaxcl.ElementType format;
        if (dtype == NpyDType.FLOAT16) {
            format = io.github.softmaxcl.ElementType.FLOAT16;
            try (NpyWriter w = NpyWriter.create(in, NpyDType.FLOAT16, shape)) {
                ByteBuffer b = ByteBuffer.allocate(2 * n).order(java.nio.ByteOrder.nativeOrder());
                for (int i = 0; i < n; i++) {
                    short h = io.github.softmaxcl.reference.Float16.fromFloat((float) x[i]);
                    b.putShort(h);
                    x[i] = io.github.softmaxcl.reference.Float16.toFloat(h);
                }
                w.write(b.flip());
                w.commit();
            }
        } else {
            format = io.github.softmaxcl.ElementType.FLOAT32;
            float[] xf = new float[n];
            for (int i = 0; i < n; i++) {
                xf[i] = (float) x[i];
                x[i] = xf[i];
            }
            NpyWriter.writeFloats(in, shape, xf);
        }
        java.util.List<String> args = new java.util.ArrayList<>(java.util.List.of("run", in.toString(), "-o",
                dir.resolve("fam-out.npy").toString(), "--chunk-rows", "3", "--axis", Integer.toString(axis)));
        byte[] maskBytes = null;
        if (mask != null) {
            long[] mshape = broadcast ? new long[] {shape[shape.length - 1]} : shape;
            try (NpyWriter w = NpyWriter.create(maskFile, NpyDType.BOOL, mshape)) {
                ByteBuffer b = ByteBuffer.allocate(mask.length);
                for (boolean k : mask) {
                    b.put((byte) (k ? 1 : 0));
                }
                w.write(b.flip());
                w.commit();
            }
            args.add("--mask");
            args.add(maskFile.toString());
            maskBytes = new byte[mask.length];
            for (int i = 0; i < mask.length; i++) {
                maskBytes[i] = mask[i] ? (byte) 1 : 0;
            }
        }
        args.addAll(java.util.List.of(flags));
        Cli.Result r = Cli.run(args.toArray(new String[0]));
        assertEquals(0, r.code(), r.toString());
        double[] y;
        try (NpyReader rd = NpyReader.open(dir.resolve("fam-out.npy"))) {
            assertEquals(dtype, rd.header().dtype());
            assertArrayEquals(shape, rd.header().shape());
            y = rd.readAllDoubles();
        }
        double[] ref = io.github.softmaxcl.reference.ReferenceFamily.forward(
                io.github.softmaxcl.reference.ReferenceFamily.scaled(x, o, io.github.softmaxcl.ElementType.FLOAT32),
                shape, axis, o, maskBytes);
        long[] d = io.github.softmaxcl.reference.ReferenceFamily.dims(shape, axis);
        double[] dr = io.github.softmaxcl.reference.ReferenceFamily.toRows(y, shape, axis);
        double[] rr = io.github.softmaxcl.reference.ReferenceFamily.toRows(ref, shape, axis);
        io.github.softmaxcl.reference.Comparison c = io.github.softmaxcl.reference.Comparison.of(i -> dr[(int) i],
                i -> rr[(int) i], d[0] * d[2], d[1], o.isLog() ? io.github.softmaxcl.reference.Tolerance.Kind.LOG
                        : io.github.softmaxcl.reference.Tolerance.Kind.SOFTMAX, format,
                i -> Double.isInfinite(rr[(int) i]) || rr[(int) i] == 0.0);
        assertTrue(c.passed(), String.join(" ", flags) + ": " + c);
    }

    @Test
    void float16FilesRunInFloat16() throws IOException {
        runFamily(new long[] {40, 33}, -1, io.github.softmaxcl.SoftmaxOp.softmax(), null, false, NpyDType.FLOAT16);
        runFamily(new long[] {40, 33}, -1, io.github.softmaxcl.SoftmaxOp.logSoftmax(), null, false,
                NpyDType.FLOAT16, "--log");
    }

    @Test
    void logTemperatureMasksAndAxisFlags() throws IOException {
        io.github.softmaxcl.SoftmaxOp s = io.github.softmaxcl.SoftmaxOp.softmax();
        runFamily(new long[] {20, 50}, -1, io.github.softmaxcl.SoftmaxOp.logSoftmax(), null, false, NpyDType.FLOAT32, "--log");
        runFamily(new long[] {20, 50}, -1, s.withTemperature(0.5), null, false, NpyDType.FLOAT32, "--temperature",
                "0.5");
        boolean[] full = new boolean[1000];
        for (int i = 0; i < full.length; i++) {
            full[i] = i % 3 != 0 && (i / 50) != 4; // row 4 entirely masked
        }
        runFamily(new long[] {20, 50}, -1, s, full, false, NpyDType.FLOAT32);
        runFamily(new long[] {20, 50}, -1, s.withMaskedRows(io.github.softmaxcl.MaskedRows.ZERO), full, false,
                NpyDType.FLOAT32, "--masked-rows", "zero");
        boolean[] row = new boolean[50];
        for (int i = 0; i < row.length; i++) {
            row[i] = i % 4 != 1;
        }
        runFamily(new long[] {20, 50}, -1, io.github.softmaxcl.SoftmaxOp.logSoftmax(), row, true, NpyDType.FLOAT32, "--log");
        runFamily(new long[] {6, 9, 17}, 1, s, null, false, NpyDType.FLOAT32);
        runFamily(new long[] {6, 9, 17}, 0, io.github.softmaxcl.SoftmaxOp.logSoftmax().withTemperature(3), null, false, NpyDType.FLOAT32,
                "--log", "-t", "3");
    }

    @Test
    void badFamilyFlagsAreUsageErrors() throws IOException {
        Path in = floats("bad-in.npy", new long[] {4, 5}, Inputs.Pattern.RANDOM);
        String out = dir.resolve("bad-out.npy").toString();
        Cli.Result t = Cli.run("run", in.toString(), "-o", out, "--temperature", "0");
        assertEquals(Main.USAGE, t.code(), t.toString());
        assertTrue(t.err().contains("temperature must be finite and > 0, got 0.0"), t.toString());
        Cli.Result a = Cli.run("run", in.toString(), "-o", out, "--axis", "2");
        assertEquals(Main.USAGE, a.code(), a.toString());
        assertTrue(a.err().contains("--axis 2 is out of range"), a.toString());
        Path wrong = floats("mask-wrong.npy", new long[] {4, 5}, Inputs.Pattern.RANDOM);
        Cli.Result m = Cli.run("run", in.toString(), "-o", out, "--mask", wrong.toString());
        assertEquals(Main.USAGE, m.code(), m.toString());
        assertTrue(m.err().contains("must be a NumPy bool array"), m.toString());
        assertFalse(Files.exists(dir.resolve("bad-out.npy")));
    }

    @Test
    void anInputThatBreaksOnTheThirdChunkLeavesNoOutput() throws IOException {
        Path in = floats("in.npy", new long[] {100, 50}, Inputs.Pattern.RANDOM);
        byte[] before = Files.readAllBytes(in);
        AtomicInteger reads = new AtomicInteger();
        UnaryOperator<StreamingSoftmax.ChunkSource> failOnThird = src -> (first, dst) -> {
            if (reads.incrementAndGet() == 3) {
                throw new IOException("simulated read error: input is unreadable");
            }
            src.read(first, dst);
        };
        Main main = new Main(BackendFactory.ENGINE_VARIANTS, failOnThird, UnaryOperator.identity());
        Cli.Result r = Cli.run(main, "run", in.toString(), "-o", dir.resolve("out.npy").toString(),
                "--chunk-rows", "10");
        assertEquals(Main.FAILURE, r.code(), r.toString());
        assertTrue(r.err().contains("simulated read error"), r.toString());
        assertFalse(r.err().contains("\tat "), r.toString());
        assertOnlyFiles("in.npy");
        assertArrayEquals(before, Files.readAllBytes(in));
    }

    @Test
    void anInputTruncatedWhileRunningLeavesNoOutput() throws IOException {
        Path in = floats("in.npy", new long[] {100, 50}, Inputs.Pattern.RANDOM);
        AtomicInteger reads = new AtomicInteger();
        // The header was validated at open; the file then shrinks under the reader, as when another
        // process truncates it. The real NpyReader must notice, not produce zeros.
        UnaryOperator<StreamingSoftmax.ChunkSource> truncate = src -> (first, dst) -> {
            if (reads.incrementAndGet() == 3) {
                try (FileChannel ch = FileChannel.open(in, StandardOpenOption.WRITE)) {
                    ch.truncate(ch.size() / 2);
                }
            }
            src.read(first, dst);
        };
        Main main = new Main(BackendFactory.ENGINE_VARIANTS, truncate, UnaryOperator.identity());
        Cli.Result r = Cli.run(main, "run", in.toString(), "-o", dir.resolve("out.npy").toString(),
                "--chunk-rows", "10");
        assertEquals(Main.FAILURE, r.code(), r.toString());
        assertTrue(r.err().contains("truncated"), r.toString());
        assertOnlyFiles("in.npy");
    }

    @Test
    void aFullDiskLeavesTheExistingOutputUntouched() throws IOException {
        Path in = floats("in.npy", new long[] {100, 50}, Inputs.Pattern.RANDOM);
        Path out = dir.resolve("out.npy");
        Files.writeString(out, "previous result");
        AtomicInteger writes = new AtomicInteger();
        UnaryOperator<StreamingSoftmax.ChunkSink> diskFull = sink -> buf -> {
            if (writes.incrementAndGet() == 3) {
                throw new IOException("No space left on device");
            }
            sink.write(buf);
        };
        Main main = new Main(BackendFactory.ENGINE_VARIANTS, UnaryOperator.identity(), diskFull);
        Cli.Result r = Cli.run(main, "run", in.toString(), "-o", out.toString(), "--chunk-rows", "10");
        assertEquals(Main.FAILURE, r.code(), r.toString());
        assertTrue(r.err().contains("No space left on device"), r.toString());
        assertEquals("previous result", Files.readString(out));
        assertOnlyFiles("in.npy", "out.npy");
    }

    @Test
    void generateIsReproducibleAndStreamsBlocks() throws IOException {
        Path a = dir.resolve("a.npy");
        Path b = dir.resolve("b.npy");
        // 3000 x 1000 is three generation blocks.
        assertEquals(0, Cli.run("generate", a.toString(), "--shape", "3x1000x1000", "--seed", "5").code());
        assertEquals(0, Cli.run("generate", b.toString(), "--shape", "3x1000x1000", "--seed", "5").code());
        assertSameBytes(a, b);
        try (NpyReader r = NpyReader.open(a)) {
            assertArrayEquals(new long[] {3, 1000, 1000}, r.header().shape());
            float[] x = r.readAllFloats();
            // Blocks get different seeds: the second block is not a copy of the first.
            assertFalse(x[0] == x[1_048_576] && x[1] == x[1_048_577]);
        }
    }
}
