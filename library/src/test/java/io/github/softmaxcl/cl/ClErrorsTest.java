/*
 * OpenCL failures must be readable: errors name the call and the status, a broken kernel surfaces
 * the compiler's log, and owners release exactly once however often close() is called.
 */
package io.github.softmaxcl.cl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import org.jocl.CL;
import org.junit.jupiter.api.Test;

class ClErrorsTest {
    @Test
    void statusNamesFollowTheSpecification() {
        assertEquals("CL_OUT_OF_RESOURCES", Cl.statusName(-5));
        assertEquals("CL_INVALID_WORK_GROUP_SIZE", Cl.statusName(-54));
        ClException e = assertThrows(ClException.class, () -> Cl.check(-5, "clEnqueueNDRangeKernel"));
        assertEquals("clEnqueueNDRangeKernel: CL_OUT_OF_RESOURCES (-5)", e.getMessage());
        assertEquals(-5, e.status());
        assertEquals("clEnqueueNDRangeKernel", e.call());
    }

    @Test
    void buildFailureCarriesTheLogAndLeaksNothing() {
        DeviceInfo d = Devices.select(null);
        try (ClContext ctx = new ClContext(d.platform(), d.device())) {
            long programs = ClObject.liveCount(ClObject.Kind.PROGRAM);
            ClBuildException e = assertThrows(ClBuildException.class,
                    () -> ClProgram.build(ctx, "broken.cl", "__kernel void k(__global float *x) { x[0] = y; }", ""));
            assertTrue(e.getMessage().startsWith("clBuildProgram: CL_BUILD_PROGRAM_FAILURE (-11)"), e.getMessage());
            assertTrue(e.buildLog().contains("y"), e.buildLog());
            assertEquals(programs, ClObject.liveCount(ClObject.Kind.PROGRAM));
        }
    }

    @Test
    void failedAllocationNamesTheCall() {
        DeviceInfo d = Devices.select(null);
        try (ClContext ctx = new ClContext(d.platform(), d.device())) {
            ClException e = assertThrows(ClException.class,
                    () -> ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, d.maxAllocBytes() * 4 + 1));
            assertTrue(e.getMessage().startsWith("clCreateBuffer: CL_"), e.getMessage());
        }
    }

    @Test
    void closeIsIdempotentAndCounted() {
        DeviceInfo d = Devices.select(null);
        long contexts = ClObject.liveCount(ClObject.Kind.CONTEXT);
        ClContext ctx = new ClContext(d.platform(), d.device());
        ClBuffer b = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 64);
        assertEquals(contexts + 1, ClObject.liveCount(ClObject.Kind.CONTEXT));
        b.close();
        b.close();
        ctx.close();
        ctx.close();
        assertEquals(contexts, ClObject.liveCount(ClObject.Kind.CONTEXT));
        assertTrue(b.isClosed());
        assertThrows(IllegalStateException.class, b::handle);
    }
}
