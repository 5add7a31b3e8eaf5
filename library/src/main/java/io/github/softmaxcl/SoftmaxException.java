/*
 * The root of every exception this library throws for device-side trouble (OpenCL errors, missing
 * platforms, kernel build failures). Argument errors are plain IllegalArgumentException instead,
 * so callers can tell "you passed a bad value" from "the device failed".
 */
package io.github.softmaxcl;

/** Unchecked failure of the OpenCL device or runtime while computing softmax. */
public class SoftmaxException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message what failed, naming the call or value involved */
    public SoftmaxException(String message) {
        super(message);
    }

    /**
     * @param message what failed
     * @param cause the underlying error
     */
    public SoftmaxException(String message, Throwable cause) {
        super(message, cause);
    }
}
