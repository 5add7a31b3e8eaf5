/*
 * Fault injection for tests: the pipeline reports each OpenCL call it is about to make, with the
 * index of the chunk it belongs to, and a test's Faults may throw the ClException that call could
 * have thrown. This is how "an allocation fails at chunk 3" is tested without a broken driver.
 * The production value does nothing.
 */
package io.github.softmaxcl.exec;

/** A hook called before the pipeline's OpenCL calls. */
@FunctionalInterface
public interface Faults {
    /** No faults. */
    Faults NONE = (call, chunk) -> { };

    /**
     * Called before an OpenCL call.
     *
     * @param call {@code clCreateBuffer}, {@code clEnqueueWriteBuffer}, {@code clEnqueueNDRangeKernel}
     *     or {@code clEnqueueReadBuffer}
     * @param chunk the chunk index within the call, from 0
     * @throws io.github.softmaxcl.cl.ClException to simulate that call failing
     */
    void before(String call, long chunk);
}
