/*
 * A command could not do its job for a reason that is neither a usage error nor a library
 * exception (e.g. a row too large for the device, nothing left to verify). Exits with 1 and the
 * message alone, like every other runtime failure of the command line.
 */
package io.github.softmaxcl.cli;

/** A runtime failure of a command; exit code 1, message printed without a stack trace. */
public final class CommandFailedException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed and, where possible, what to do about it */
    public CommandFailedException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying error
     */
    public CommandFailedException(String message, Throwable cause) {
        super(message, cause);
    }
}
