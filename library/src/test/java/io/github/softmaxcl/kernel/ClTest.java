/*
 * The base of the kernel-layer test classes that build and launch kernels themselves: one ClFixture
 * (device, context, queue, program cache) per test class, opened before its first test and closed
 * after its last, so every such class owns exactly one set of OpenCL objects.
 */
package io.github.softmaxcl.kernel;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;

@TestInstance(TestInstance.Lifecycle.PER_CLASS)
abstract class ClTest {
    /** The class's OpenCL objects; set before its first test. */
    ClFixture cl;

    @BeforeAll
    final void openCl() {
        cl = new ClFixture();
    }

    @AfterAll
    final void closeCl() {
        cl.close();
    }
}
