/*
 * Opens the engines the device tests share: the default plan and one per forced kernel variant.
 * Opening is where a machine without OpenCL fails, and it must fail loudly (never skip), with the
 * install hint, so CI on a machine without PoCL goes red instead of green-with-nothing-run.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.kernel.Variant;

final class Engines {
    private Engines() {}

    static SoftmaxEngine open(Variant variant, int split) {
        try {
            // Shipped defaults, not a tuning cache a developer may have on this machine: reproducible.
            return Internals.open(EngineConfig.DEFAULT.withVariant(variant).withSplit(split).withPoison(true)
                    .withTuning(false));
        } catch (OpenClUnavailableException e) {
            return fail("OpenCL device tests cannot run: " + e.getMessage(), e);
        }
    }
}
