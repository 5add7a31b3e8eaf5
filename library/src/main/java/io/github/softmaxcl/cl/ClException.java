/*
 * An OpenCL call returned an error status. The message names the call and the status the way the
 * specification spells it, e.g. "clEnqueueNDRangeKernel: CL_OUT_OF_RESOURCES (-5)", because a bare
 * number is the most common obstacle to debugging OpenCL host code.
 */
package io.github.softmaxcl.cl;

import io.github.softmaxcl.SoftmaxException;

/** An OpenCL API call failed; carries the call name and the status code. */
public class ClException extends SoftmaxException {
    private static final long serialVersionUID = 1L;
    private final String call;
    private final int status;

    /**
     * @param call the OpenCL function that failed, e.g. {@code clCreateBuffer}
     * @param status the status code it returned
     * @param detail extra context appended to the message, may be empty
     */
    public ClException(String call, int status, String detail) {
        super(call + ": " + Cl.statusName(status) + " (" + status + ")" + (detail.isEmpty() ? "" : " " + detail));
        this.call = call;
        this.status = status;
    }

    /** @return the OpenCL function that failed */
    public String call() {
        return call;
    }

    /** @return the OpenCL status code it returned */
    public int status() {
        return status;
    }
}
