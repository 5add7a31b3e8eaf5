/*
 * Fault injection for tests: the pipeline reports each OpenCL call it is about to make, with the
 * index of the chunk it belongs to (the program cache reports each build the same way), and a
 * test's Faults may throw the ClException that call could have thrown. This is how "an allocation
 * fails at chunk 3" is tested without a broken driver. The production value does nothing.
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
     * @param call {@code clCreateBuffer}, {@code clEnqueueWriteBuffer}, {@code clEnqueueNDRangeKernel},
     *     {@code clEnqueueReadBuffer} or {@code clBuildProgram}
     * @param chunk the chunk index within the call, from 0 (a program is built when it is first
     *     needed: while planning, reported as chunk 0, or in the first chunk that launches it)
     * @throws io.github.softmaxcl.cl.ClException to simulate that call failing
     */
    void before(String call, long chunk);
}
