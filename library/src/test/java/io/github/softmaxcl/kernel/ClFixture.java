/*
 * The OpenCL objects the kernel-layer tests share: the default device, a context, a queue and a
 * program cache. Opening is where a machine without OpenCL fails, and it fails loudly (never skips).
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.OpenClUnavailableException;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;

final class ClFixture implements AutoCloseable {
    final DeviceInfo device;
    final ClContext context;
    final ClQueue queue;
    final ProgramCache programs;

    ClFixture() {
        try {
            device = Devices.select(null);
        } catch (OpenClUnavailableException e) {
            throw new AssertionError(fail("OpenCL device tests cannot run: " + e.getMessage(), e));
        }
        context = new ClContext(device.platform(), device.device());
        queue = new ClQueue(context);
        programs = new ProgramCache(context);
    }

    @Override
    public void close() {
        programs.close();
        queue.close();
        context.close();
    }
}
