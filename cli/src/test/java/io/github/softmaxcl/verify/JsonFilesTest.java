/*
 * JsonFiles, which writes verify --json and bench --json reports: whole or not at all through
 * OutputFile, so names up to the 255-byte limit work, a killed run's temporary file is removed by the
 * next write of the same report, a replaced report keeps its permissions, a failed serialisation
 * leaves the old report and no temporary file, and a target that can never be written is refused
 * with a message naming it.
 */
package io.github.softmaxcl.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JsonFilesTest {
    @TempDir
    Path dir;

    private List<String> listDir() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    private static Map<String, Object> report() {
        return Map.of("passed", true);
    }

    @Test
    void aNameOfTheFull255BytesIsWritten() throws IOException {
        String name = "r".repeat(250) + ".json";
        Path target = dir.resolve(name);
        JsonFiles.write(target, report(), JsonFiles.MAPPER);
        assertEquals(report(), JsonFiles.MAPPER.readValue(target.toFile(), Map.class));
        assertEquals(List.of(name), listDir());
    }

    @Test
    void aKilledRunsTemporaryFileIsRemovedByTheNextWrite() throws IOException {
        // What a run killed while writing report.json leaves: OutputFile's name, nobody holding a lock.
        Path stale = Files.writeString(dir.resolve(".report.json.softmax-0123456789abcdef.tmp"), "{\"half");
        JsonFiles.write(dir.resolve("report.json"), report(), JsonFiles.MAPPER);
        assertFalse(Files.exists(stale));
        assertEquals(List.of("report.json"), listDir());
    }

    @Test
    void aReplacedReportKeepsItsPermissions() throws IOException {
        assumeTrue(dir.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path target = Files.writeString(dir.resolve("report.json"), "{}");
        Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rw-r--r--"));
        JsonFiles.write(target, report(), JsonFiles.MAPPER);
        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
        assertEquals(report(), JsonFiles.MAPPER.readValue(target.toFile(), Map.class));
    }

    /** Serialises partly, then fails. */
    public static final class Failing {
        public String getFirst() {
            return "x".repeat(100_000); // past the output buffer: part of the report reached the disk
        }

        public String getSecond() {
            throw new IllegalStateException("cannot serialise this");
        }
    }

    @Test
    void aFailedSerialisationLeavesTheOldReportAndNoTemporaryFile() throws IOException {
        Path target = Files.writeString(dir.resolve("report.json"), "{\"old\": 1}");
        assertThrows(IOException.class, () -> JsonFiles.write(target, new Failing(), JsonFiles.MAPPER));
        assertEquals("{\"old\": 1}", Files.readString(target));
        assertEquals(List.of("report.json"), listDir());
    }

    @Test
    void aDirectoryIsRefusedByTheNameGiven() throws IOException {
        Path sub = Files.createDirectory(dir.resolve("reports"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> JsonFiles.write(sub, report(), JsonFiles.MAPPER));
        assertTrue(e.getMessage().startsWith("cannot write " + sub + ": it is a directory"), e.getMessage());
    }
}
