/*
 * Writes JSON reports (verify, bench, tuning results) atomically: into a temporary file in the
 * target's directory, then renamed over the target, so a failure never leaves a half-written
 * report. One mapper configuration for all of them.
 */
package io.github.softmaxcl.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Atomic JSON file output. */
public final class JsonFiles {
    /** Pretty-printing mapper shared by every report. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonFiles() {}

    /**
     * @param target the file; replaced if it exists
     * @param value what to serialise
     * @param mapper the mapper to use
     * @throws IOException if writing or renaming fails; the target is then untouched
     */
    public static void write(Path target, Object value, ObjectMapper mapper) throws IOException {
        Path abs = target.toAbsolutePath();
        Path temp = Files.createTempFile(abs.getParent(), "." + abs.getFileName(), ".tmp");
        try {
            mapper.writeValue(temp.toFile(), value);
            try {
                Files.move(temp, abs, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, abs, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
