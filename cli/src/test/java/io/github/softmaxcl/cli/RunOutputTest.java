/*
 * `run`'s output file: every problem with -o is found before any input is read (so before any
 * computation), with a message naming -o as the user gave it, exit 2 for a bad argument and 1 for
 * a refusal by the system; names up to the 255-byte limit work; a replaced output keeps its
 * permissions.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.softmaxcl.npy.NpyReader;
import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.files.UnwritableDirectory;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.verify.BackendFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunOutputTest {
    @TempDir
    Path dir;
    private Path in;

    @BeforeEach
    void input() throws IOException {
        in = dir.resolve("in.npy");
        NpyWriter.writeFloats(in, new long[] {40, 30}, Inputs.floats(Inputs.Pattern.RANDOM, 40, 30, 5));
    }

    private List<String> files(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** Runs `run` with -o {@code output}, counting the chunks read from the input. */
    private Cli.Result runCountingReads(String output, AtomicInteger reads) {
        UnaryOperator<StreamingSoftmax.ChunkSource> counting = src -> (first, dst) -> {
            reads.incrementAndGet();
            src.read(first, dst);
        };
        Main main = new Main(BackendFactory.ENGINE_VARIANTS, counting, UnaryOperator.identity());
        return Cli.run(main, "run", in.toString(), "-o", output, "--chunk-rows", "8");
    }

    private void assertRefusedBeforeWork(String output, int code, String message) throws IOException {
        List<String> before = files(dir);
        AtomicInteger reads = new AtomicInteger();
        Cli.Result r = runCountingReads(output, reads);
        assertEquals(code, r.code(), r.toString());
        assertTrue(r.err().contains("softmax run: cannot write " + output + ": "), "names -o as given:\n" + r);
        assertTrue(r.err().contains(message), "stderr should say '" + message + "':\n" + r);
        assertFalse(r.err().contains(".tmp"), "names -o, not a temporary file:\n" + r);
        assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r);
        assertEquals(0, reads.get(), "refused before reading any input:\n" + r);
        assertEquals(before, files(dir));
    }

    @Test
    void outputProblemsAreFoundBeforeAnyWorkAndNameTheGivenPath() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        assertRefusedBeforeWork(sub.toString(), Main.USAGE, "cannot write " + sub + ": it is a directory");
        String missing = dir.resolve("missing").resolve("out.npy").toString();
        assertRefusedBeforeWork(missing, Main.USAGE,
                "cannot write " + missing + ": directory " + dir.resolve("missing") + " does not exist");
        String underAFile = in.resolve("out.npy").toString();
        assertRefusedBeforeWork(underAFile, Main.USAGE, "cannot write " + underAFile + ": " + in + " is not a directory");
        String tooLong = dir.resolve("o".repeat(252) + ".npy").toString();
        assertRefusedBeforeWork(tooLong, Main.USAGE, "its file name is 256 bytes long");
        assertEquals(List.of(), files(sub));
    }

    @Test
    void anUnwritableOutputDirectoryIsARuntimeErrorNamingTheOutput() throws IOException {
        Path locked = UnwritableDirectory.in(dir);
        String output = locked.resolve("out.npy").toString();
        assertRefusedBeforeWork(output, Main.FAILURE,
                "cannot write " + output + ": permission denied in directory " + locked);
    }

    @Test
    void outputNamesUpToTheFileSystemLimitWork() throws IOException {
        for (int bytes : new int[] {231, 232, 240, 254, 255}) {
            Path out = dir.resolve("p".repeat(bytes - 4) + ".npy");
            assertEquals(bytes, out.getFileName().toString().getBytes(StandardCharsets.UTF_8).length);
            Cli.Result r = Cli.run("run", in.toString(), "-o", out.toString(), "-q");
            assertEquals(0, r.code(), bytes + " bytes: " + r);
            try (NpyReader rd = NpyReader.open(out)) {
                assertEquals(1200, rd.header().elementCount());
            }
            Files.delete(out);
        }
        assertEquals(List.of("in.npy"), files(dir));
    }

    @Test
    void aReplacedOutputKeepsItsPermissions() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path out = Files.writeString(dir.resolve("out.npy"), "previous result");
        Files.setPosixFilePermissions(out, PosixFilePermissions.fromString("rw-------"));
        Cli.Result r = Cli.run("run", in.toString(), "-o", out.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(out)));
        try (NpyReader rd = NpyReader.open(out)) {
            assertEquals(1200, rd.header().elementCount());
        }
    }
}
