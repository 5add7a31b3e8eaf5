/*
 * The one exception type for a .npy file that cannot be read: a damaged or truncated file, or a
 * valid NumPy file whose contents this package does not handle (integer, object or structured
 * dtypes, Fortran-order matrices). The message always starts with the file so that a command
 * line processing many files can print it as it is.
 */
package io.github.softmaxcl.npy;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Objects;

/** Thrown when a .npy file is malformed or holds an array this package does not support. */
public class NpyFormatException extends IOException {
    private static final long serialVersionUID = 1L;

    private final transient Path file;
    private final String problem;

    /**
     * @param file    the file being read (or written), named in the message
     * @param problem what is wrong with it, without the file name
     */
    public NpyFormatException(Path file, String problem) {
        super(file + ": " + problem);
        this.file = Objects.requireNonNull(file, "file");
        this.problem = Objects.requireNonNull(problem, "problem");
    }

    /** @return the file the problem was found in */
    public Path file() {
        return file;
    }

    /** @return the problem, without the file name */
    public String problem() {
        return problem;
    }
}
