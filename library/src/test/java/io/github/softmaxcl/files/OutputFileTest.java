/*
 * OutputFile: a target that can never be written is refused before any file exists, with a
 * message naming the target as given; temporary names fit the 255-byte limit for every name
 * length; a replaced target keeps its permissions; temporary files of dead writers are deleted
 * and those of live ones kept. (Signals and SIGKILL are tested with real child JVMs in
 * cli.RunSignalsTest.)
 */
package io.github.softmaxcl.files;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class OutputFileTest {
    @TempDir
    Path dir;

    private List<String> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static void assertRefused(Path target, String expected) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> OutputFile.create(target));
        assertTrue(e.getMessage().startsWith("cannot write " + target + ": "), e.getMessage());
        assertTrue(e.getMessage().contains(expected), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), "names the target, not a temporary file: " + e.getMessage());
    }

    @Test
    void targetsThatCanNeverBeWrittenAreRefusedBeforeAnyFileExists() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("sub"));
        Path file = Files.writeString(dir.resolve("file.npy"), "x");
        assertRefused(sub, "it is a directory");
        assertRefused(dir.resolve("missing/out.npy"), "directory " + dir.resolve("missing") + " does not exist");
        assertRefused(file.resolve("out.npy"), file + " is not a directory");
        assertRefused(dir.resolve("a".repeat(252) + ".npy"), "its file name is 256 bytes long");
        // 128 two-byte characters: 256 bytes in UTF-8 although only 128 chars.
        assertRefused(dir.resolve("é".repeat(128)), "256 bytes");
        assertEquals(List.of("file.npy", "sub"), listDir());
        try (Stream<Path> s = Files.list(sub)) {
            assertEquals(0, s.count());
        }
    }

    @Test
    void anExistingFileThatIsNotARegularFileIsRefused() {
        Path devNull = Path.of("/dev/null");
        assumeTrue(Files.exists(devNull) && !Files.isRegularFile(devNull), "needs /dev/null");
        assertRefused(devNull, "is not a regular file");
    }

    @Test
    void aRelativeTargetIsNamedAsGiven() {
        Path relative = Path.of("no-such-directory-here", "out.npy");
        assertRefused(relative, "directory no-such-directory-here does not exist");
    }

    /** Names of every length up to the limit, in 1-, 2- and 4-byte characters, write and commit. */
    @ParameterizedTest
    @ValueSource(strings = {"a", "é", "\uD83D\uDE00"})
    void temporaryNamesFitForEveryTargetNameLength(String unit) throws IOException {
        int unitBytes = unit.getBytes(StandardCharsets.UTF_8).length;
        for (int bytes = 200; bytes <= TemporaryFiles.NAME_MAX_BYTES; bytes++) {
            int units = (bytes - 4) / unitBytes;
            String name = unit.repeat(units) + "x".repeat(bytes - 4 - units * unitBytes) + ".npy";
            assertEquals(bytes, name.getBytes(StandardCharsets.UTF_8).length);
            Path target = dir.resolve(name);
            try (OutputFile out = OutputFile.create(target)) {
                String temp = out.temp().getFileName().toString();
                assertTrue(temp.getBytes(StandardCharsets.UTF_8).length <= TemporaryFiles.NAME_MAX_BYTES, temp);
                assertTrue(TemporaryFiles.isTempOf(temp, name), temp);
                out.channel().write(ByteBuffer.wrap(new byte[] {1, 2, 3}));
                out.commit();
            }
            assertEquals(3, Files.size(target));
            assertEquals(List.of(name), listDir());
            Files.delete(target);
        }
    }

    @Test
    void shortenedPrefixesStillDistinguishTargets() {
        String a = "a".repeat(250) + ".npy";
        String b = "a".repeat(250) + ".np_";
        assertNotEquals(TemporaryFiles.prefix(a), TemporaryFiles.prefix(b));
        String tempOfA = TemporaryFiles.prefix(a) + "0123456789abcdef.tmp";
        assertTrue(TemporaryFiles.isTempOf(tempOfA, a));
        assertFalse(TemporaryFiles.isTempOf(tempOfA, b));
        assertTrue(TemporaryFiles.prefix(a).getBytes(StandardCharsets.UTF_8).length + 20
                <= TemporaryFiles.NAME_MAX_BYTES);
        // A short name keeps its whole name in the prefix, so users can see whose file it is.
        assertEquals(".out.npy.softmax-", TemporaryFiles.prefix("out.npy"));
    }

    @Test
    void temporaryFilesOfDeadWritersAreDeletedAndOthersKept() throws IOException {
        Path target = dir.resolve("out.npy");
        // What a SIGKILLed writer leaves: a file with the target's prefix that nobody has locked.
        Path stale = Files.write(dir.resolve(".out.npy.softmax-0123456789abcdef.tmp"), new byte[100]);
        List<String> unrelated = List.of(".out.npy.softmax-notsixteenhexdig.tmp", ".out.npy.softmax-0123456789abcdef",
                ".other.npy.softmax-0123456789abcdef.tmp", ".out.npy0123456789.tmp", "out.npy.softmax-0123456789abcdef.tmp");
        for (String name : unrelated) {
            Files.writeString(dir.resolve(name), "keep");
        }
        try (OutputFile first = OutputFile.create(target)) {
            assertFalse(Files.exists(stale));
            // A second writer of the same target leaves the live first one's file alone.
            try (OutputFile second = OutputFile.create(target)) {
                assertTrue(Files.exists(first.temp()));
                assertTrue(Files.exists(second.temp()));
            }
            assertTrue(Files.exists(first.temp()));
        }
        assertEquals(unrelated.stream().sorted().collect(Collectors.toList()), listDir());
    }

    /**
     * A writer looking for dead writers' files must not take another writer's file that is created
     * but not yet locked for a dead one (it deleted it, and the owner's lock then failed).
     */
    @Test
    void writersOfOneTargetInOneJvmNeverTakeEachOthersNewFiles() throws Exception {
        Path target = dir.resolve("shared.json");
        int threads = 4;
        CyclicBarrier start = new CyclicBarrier(threads);
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                byte[] content = ("writer " + t).getBytes(StandardCharsets.UTF_8);
                writers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 0; i < 50; i++) {
                        try (OutputFile out = OutputFile.create(target)) {
                            out.channel().write(ByteBuffer.wrap(content));
                            out.commit();
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> w : writers) {
                w.get(); // rethrows a writer's failure
            }
        } finally {
            pool.shutdownNow();
        }
        assertTrue(Files.readString(target).startsWith("writer "));
        assertEquals(List.of("shared.json"), listDir());
    }

    @Test
    void closeWithoutCommitDeletesTheTemporaryFileAndKeepsTheTarget() throws IOException {
        Path target = Files.writeString(dir.resolve("out.npy"), "previous");
        Path temp;
        try (OutputFile out = OutputFile.create(target)) {
            temp = out.temp();
            out.channel().write(ByteBuffer.wrap(new byte[10]));
        }
        assertFalse(Files.exists(temp));
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("out.npy"), listDir());
    }

    @Test
    void writeCommitsTheWholeContentEvenWhenTheWriterClosesTheStream() throws IOException {
        Path target = Files.writeString(dir.resolve("report.json"), "previous");
        OutputFile.write(target, out -> {
            out.write("{\"a\": 1}".getBytes(StandardCharsets.UTF_8));
            out.close(); // as Jackson does: the content must still be committed
        });
        assertEquals("{\"a\": 1}", Files.readString(target));
        assertEquals(List.of("report.json"), listDir());
    }

    @Test
    void writeLeavesTheTargetAsItWasWhenTheContentFails() throws IOException {
        Path target = Files.writeString(dir.resolve("report.json"), "previous");
        IOException e = assertThrows(IOException.class, () -> OutputFile.write(target, out -> {
            out.write(new byte[100_000]); // more than the buffer: some of it reached the temporary file
            throw new IOException("serialisation failed");
        }));
        assertEquals("serialisation failed", e.getMessage());
        assertEquals("previous", Files.readString(target));
        assertEquals(List.of("report.json"), listDir());
    }

    @ParameterizedTest
    @ValueSource(strings = {"rw-------", "rw-r-----", "r--r--r--", "rwxr-x---"})
    void aReplacedTargetKeepsItsPermissions(String mode) throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path target = Files.writeString(dir.resolve("out.npy"), "previous");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString(mode));
        OutputFile.write(target, out -> out.write("replaced".getBytes(StandardCharsets.US_ASCII)));
        assertEquals(mode, PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals("replaced", Files.readString(target));
    }

    @Test
    void aFailedRenameNamesTheTargetAndLeavesNoTemporaryFile() throws IOException {
        Path target = dir.resolve("out.npy");
        OutputFile out = OutputFile.create(target);
        // The target turns into a non-empty directory while the data is being written.
        Files.createDirectory(target);
        Files.writeString(target.resolve("inside"), "x");
        IOException e = assertThrows(IOException.class, out::commit);
        assertTrue(e.getMessage().startsWith("cannot write " + target + ": "), e.getMessage());
        assertFalse(e.getMessage().contains(".tmp"), e.getMessage());
        assertEquals(List.of("out.npy"), listDir());
        assertThrows(IllegalStateException.class, out::commit);
        out.close(); // idempotent
    }

    @Test
    void anUnwritableDirectoryIsReportedForTheTarget() throws IOException {
        Path locked = unwritableDirectory();
        Path target = locked.resolve("out.npy");
        IOException e = assertThrows(IOException.class, () -> OutputFile.create(target));
        assertEquals("cannot write " + target + ": permission denied in directory " + locked, e.getMessage());
    }

    private Path unwritableDirectory() throws IOException {
        return UnwritableDirectory.in(dir);
    }
}
