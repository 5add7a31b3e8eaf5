/*
 * Writes JSON reports (verify --json, bench --json) whole or not at all, through OutputFile: a
 * temporary file beside the target whose name always fits, renamed over the target when complete,
 * keeping a replaced report's permissions, deleted on failure or at JVM shutdown, and removed by the
 * next write of the same report when a killed run left it behind. One mapper configuration for all
 * reports.
 */
package io.github.softmaxcl.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.softmaxcl.files.OutputFile;
import java.io.IOException;
import java.nio.file.Path;

/** Atomic JSON file output. */
public final class JsonFiles {
    /** Pretty-printing mapper shared by every report. */
    public static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private JsonFiles() {}

    /**
     * @param target the file; replaced if it exists
     * @param value what to serialise
     * @param mapper the mapper to use
     * @throws IllegalArgumentException if {@code target} can never be written: a directory, a
     *                                  missing directory, a name over 255 bytes (the message names it)
     * @throws IOException if serialising, writing or renaming fails; the target is then untouched
     */
    public static void write(Path target, Object value, ObjectMapper mapper) throws IOException {
        OutputFile.write(target, out -> mapper.writeValue(out, value));
    }
}
