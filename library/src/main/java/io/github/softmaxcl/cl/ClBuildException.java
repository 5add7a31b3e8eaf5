/*
 * A kernel program failed to compile. The compiler's build log is the only way to see why, so it
 * is part of the exception (and its message), together with the file and options that were used.
 */
package io.github.softmaxcl.cl;

/** clBuildProgram failed; {@link #buildLog()} holds the compiler's output. */
public final class ClBuildException extends ClException {
    private static final long serialVersionUID = 1L;
    private final String buildLog;

    /**
     * @param status the status clBuildProgram returned
     * @param source the kernel file name
     * @param options the build options used
     * @param buildLog the compiler's log for the device
     */
    public ClBuildException(int status, String source, String options, String buildLog) {
        super("clBuildProgram", status, "building " + source + " with options [" + options + "]:\n" + buildLog);
        this.buildLog = buildLog;
    }

    /** @return the compiler's build log */
    public String buildLog() {
        return buildLog;
    }
}
