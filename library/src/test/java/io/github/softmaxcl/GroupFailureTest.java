/*
 * Failure of one device of a group: an OpenCL call failing on either device (allocation, upload,
 * kernel, download, program build; arrays and direct buffers; forward, in place and backward)
 * fails the whole call with a SoftmaxException naming the device and the call, leaves the whole
 * output NaN (the other device's rows too: no partial result) and the input as it was, leaks no
 * OpenCL object, and the same group then gives the right bits. A group nobody closes is released
 * by the Cleaner.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.GroupData.Kind;
import io.github.softmaxcl.cl.ClException;
import io.github.softmaxcl.cl.ClObject;
import io.github.softmaxcl.exec.Faults;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.exec.Leaks;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jocl.CL;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

@Tag("twodevices")
class GroupFailureTest {
    private static final long ROWS = 1000;
    private static final long COLS = 300;

    /** Fails the named call once, when armed, with the status a driver would give. */
    private static final class Injected implements Faults {
        private final String call;
        final AtomicBoolean armed = new AtomicBoolean();

        Injected(String call) {
            this.call = call;
        }

        @Override
        public void before(String c, long chunk) {
            if (c.equals(call) && armed.compareAndSet(true, false)) {
                int status = switch (c) {
                    case "clCreateBuffer" -> CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
                    case "clBuildProgram" -> CL.CL_BUILD_PROGRAM_FAILURE;
                    default -> CL.CL_OUT_OF_RESOURCES;
                };
                throw new ClException(call, status, "(injected)");
            }
        }
    }

    private static SoftmaxGroup group(int device, Injected faults) {
        return Internals.openGroup(TwoDevices.config(1, 1).withFaults(i -> i == device ? faults : null));
    }

    private static void assertNamesDeviceAndCall(SoftmaxException e, SoftmaxGroup g, int device, String call) {
        String id = g.devices().get(device).id();
        assertTrue(e.getMessage().startsWith("device " + id + " ("), e.getMessage());
        assertTrue(e.getMessage().contains(call + ": "), e.getMessage());
        assertInstanceOf(ClException.class, e.getCause());
    }

    @ParameterizedTest(name = "{0} on device {1}, {2}, {3}")
    @CsvSource({"clEnqueueNDRangeKernel,1,ARRAY,forward", "clEnqueueNDRangeKernel,0,DIRECT,forward",
        "clEnqueueWriteBuffer,1,ARRAY,forward", "clEnqueueReadBuffer,0,ARRAY,forward",
        "clCreateBuffer,1,DIRECT,forward", "clEnqueueNDRangeKernel,1,ARRAY,in place",
        "clEnqueueNDRangeKernel,0,DIRECT,in place", "clEnqueueNDRangeKernel,1,ARRAY,backward",
        "clEnqueueWriteBuffer,0,ARRAY,backward"})
    void oneFailedDeviceFailsTheWholeCallAndTheGroupGoesOn(String call, int device, Kind kind, String what) {
        long objects = ClObject.liveCount();
        Injected faults = new Injected(call);
        try (SoftmaxGroup g = group(device, faults)) {
            byte[] expected = run(g, kind, what);
            faults.armed.set(true);
            GroupData[] d = data(kind, what);
            byte[] input = d[0].bytes();
            SoftmaxException e = assertThrows(SoftmaxException.class, () -> call(g, d, what));
            assertNamesDeviceAndCall(e, g, device, call);
            GroupData out = d[d.length - 1];
            assertTrue(out.allNaN(), "a failed call's output is all NaN, both devices' rows");
            if (!what.equals("in place")) {
                assertArrayEquals(input, d[0].bytes(), "the input is untouched");
            }
            // The same group serves the next calls, with the right bits, and holds no more objects.
            assertArrayEquals(expected, run(g, kind, what), "after the failure");
            long held = ClObject.liveCount();
            assertArrayEquals(expected, run(g, kind, what));
            assertEquals(held, ClObject.liveCount(), "repeated calls allocate nothing");
        }
        assertEquals(objects, ClObject.liveCount(), "closing the group left OpenCL objects open");
    }

    /** Both devices failing: the first device's failure is thrown, the other's suppressed in it. */
    @Test
    void twoFailuresAreBothReported() {
        Injected first = new Injected("clEnqueueNDRangeKernel");
        Injected second = new Injected("clEnqueueNDRangeKernel");
        try (SoftmaxGroup g = Internals.openGroup(TwoDevices.config(1, 1).withFaults(i -> i == 0 ? first : second))) {
            first.armed.set(true);
            second.armed.set(true);
            GroupData[] d = data(Kind.ARRAY, "forward");
            SoftmaxException e = assertThrows(SoftmaxException.class, () -> call(g, d, "forward"));
            assertNamesDeviceAndCall(e, g, 0, "clEnqueueNDRangeKernel");
            assertEquals(1, e.getSuppressed().length, "the second device's failure");
            assertTrue(d[1].allNaN());
        }
    }

    /** A kernel that fails to build on one device while the op is prepared: nothing ran, the next prepare builds. */
    @Test
    void aFailedBuildNamesTheDeviceAndIsBuiltAgainNextTime() {
        Injected faults = new Injected("clBuildProgram");
        try (SoftmaxGroup g = group(1, faults)) {
            SoftmaxOp op = SoftmaxOp.softmax().withTemperature(0.3); // kernels no earlier call built
            faults.armed.set(true);
            SoftmaxException e = assertThrows(SoftmaxException.class, () -> g.prepare(op, ElementType.FLOAT32, ROWS,
                    COLS));
            assertNamesDeviceAndCall(e, g, 1, "clBuildProgram");
            GroupData x = GroupData.random(Kind.ARRAY, ElementType.FLOAT32, 3, ROWS, COLS);
            GroupData y = GroupData.output(Kind.ARRAY, ElementType.FLOAT32, ROWS, COLS);
            g.forward(x.tensor, y.tensor, op);
            GroupData alone = GroupData.output(Kind.ARRAY, ElementType.FLOAT32, ROWS, COLS);
            Internals.core(g).engines().get(0).forward(x.tensor, alone.tensor, op);
            assertArrayEquals(alone.bytes(), y.bytes(), "two devices of one kind give the bits of one");
        }
    }

    /** A group nobody closes: the Cleaner closes its engines (without a warning each) and stops its threads. */
    @Test
    void anUnclosedGroupIsReleasedByTheCleaner() throws Exception {
        long before = ClObject.liveCount();
        long released = Leaks.releasedCount();
        abandon();
        for (int i = 0; i < 200 && (Leaks.releasedCount() < released + 1 || ClObject.liveCount() > before
                || groupThreads() > 0); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertEquals(released + 1, Leaks.releasedCount(), "the Cleaner released the group, and its engines with it");
        assertEquals(before, ClObject.liveCount(), "every OpenCL object of the abandoned group is released");
        assertEquals(0, groupThreads(), "the group's threads stopped");
    }

    private static void abandon() {
        SoftmaxGroup g = Internals.openGroup(TwoDevices.config(1, 1));
        run(g, Kind.ARRAY, "forward");
    }

    private static long groupThreads() {
        return Thread.getAllStackTraces().keySet().stream().filter(t -> t.getName().startsWith("softmax-group-"))
                .count();
    }

    private static GroupData[] data(Kind kind, String what) {
        GroupData x = GroupData.random(kind, ElementType.FLOAT32, 11, ROWS, COLS);
        return switch (what) {
            case "in place" -> new GroupData[] {x};
            case "backward" -> new GroupData[] {x, GroupData.random(kind, ElementType.FLOAT32, 12, ROWS, COLS),
                GroupData.output(kind, ElementType.FLOAT32, ROWS, COLS)};
            default -> new GroupData[] {x, GroupData.output(kind, ElementType.FLOAT32, ROWS, COLS)};
        };
    }

    private static void call(SoftmaxGroup g, GroupData[] d, String what) {
        switch (what) {
            case "in place" -> g.forward(d[0].tensor, d[0].tensor, SoftmaxOp.softmax());
            case "backward" -> g.backward(d[0].tensor, d[1].tensor, d[2].tensor, SoftmaxOp.softmax());
            default -> g.forward(d[0].tensor, d[1].tensor, SoftmaxOp.softmax());
        }
    }

    private static byte[] run(SoftmaxGroup g, Kind kind, String what) {
        GroupData[] d = data(kind, what);
        call(g, d, what);
        return d[d.length - 1].bytes();
    }
}
