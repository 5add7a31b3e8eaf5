/*
 * Failure safety of one engine: an OpenCL call that fails (injected at a chosen chunk of a chunked
 * batch, for allocation, upload, kernel, download and program build) gives a clear error, leaves no
 * host output half-written, leaks no OpenCL object, and the same engine serves the next call; a
 * failed build is tried once more, and one that fails again leaves no entry in the program cache,
 * so the next call builds the program again. Also: a device
 * tensor closed from another thread waits for the call using it, and engines and tensors nobody
 * closed are released by the Cleaner.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.cl.ClBuildException;
import io.github.softmaxcl.cl.ClException;
import io.github.softmaxcl.cl.ClObject;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Faults;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.exec.Leaks;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.Inputs.Pattern;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.jocl.CL;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.jupiter.api.Test;

class FailureTest {
    private static final int ROWS = 100;
    private static final int COLS = 300;

    /** Fails the named call at the given chunk while armed, with the status a real driver would give. */
    private static final class Injected implements Faults {
        private final String call;
        private final long chunk;
        private volatile boolean armed = true;

        Injected(String call, long chunk) {
            this.call = call;
            this.chunk = chunk;
        }

        @Override
        public void before(String c, long k) {
            if (armed && c.equals(call) && k == chunk) {
                armed = false;
                int status = switch (c) {
                    case "clCreateBuffer" -> CL.CL_MEM_OBJECT_ALLOCATION_FAILURE;
                    case "clBuildProgram" -> CL.CL_BUILD_PROGRAM_FAILURE;
                    default -> CL.CL_OUT_OF_RESOURCES;
                };
                throw new ClException(call, status, "(injected at chunk " + k + ")");
            }
        }
    }

    /** Chunks of 7 rows: 15 chunks per call, so chunk 3 is in the middle of the batch. */
    private static SoftmaxEngine engine(Faults faults, Boolean overlap) {
        return Internals.open(EngineConfig.DEFAULT.withTuning(false).withMaxChunkBytes(7L * COLS * 4)
                .withFaults(faults).withOverlap(overlap));
    }

    @ParameterizedTest(name = "{0} at chunk {1}, overlap {2}")
    @CsvSource({"clCreateBuffer,0,false", "clEnqueueWriteBuffer,3,false", "clEnqueueNDRangeKernel,3,false",
        "clEnqueueReadBuffer,3,false", "clCreateBuffer,0,true", "clEnqueueWriteBuffer,3,true",
        "clEnqueueNDRangeKernel,3,true", "clEnqueueReadBuffer,3,true"})
    void aFailedCallLeavesNothingHalfWrittenAndTheEngineUsable(String call, long chunk, boolean overlap) {
        float[] x = Inputs.floats(Pattern.ADVERSARIAL, ROWS, COLS, 1);
        float[] expected;
        try (SoftmaxEngine clean = engine(Faults.NONE, overlap)) {
            expected = clean.softmax(x, ROWS, COLS);
        }
        long before = ClObject.liveCount();
        for (String kind : new String[] {"array", "direct", "view"}) {
            Injected faults = new Injected(call, chunk);
            try (SoftmaxEngine e = engine(faults, overlap)) {
                FloatBuffer out = buffer(kind, x.length);
                HostTensor y = kind.equals("array") ? HostTensor.of(out.array(), ROWS, COLS) : HostTensor.of(out, ROWS, COLS);
                ClException ex = assertThrows(ClException.class,
                        () -> e.forward(HostTensor.of(x, ROWS, COLS), y, SoftmaxOp.softmax()), kind);
                assertTrue(ex.getMessage().startsWith(call + ": "), ex.getMessage());
                float[] after = new float[x.length];
                out.get(0, after);
                for (float v : after) {
                    assertTrue(Float.isNaN(v), kind + ": a failed call's output is all NaN, never half-written");
                }
                // The same engine serves the next calls, with the right bits, and holds no more objects.
                e.forward(HostTensor.of(x, ROWS, COLS), y, SoftmaxOp.softmax());
                long held = ClObject.liveCount();
                e.forward(HostTensor.of(x, ROWS, COLS), y, SoftmaxOp.softmax());
                assertEquals(held, ClObject.liveCount(), kind + ": repeated calls allocate nothing");
                out.get(0, after);
                assertArrayEquals(expected, after, kind + " after the failure");
            }
            assertEquals(before, ClObject.liveCount(), kind + ": closing the engine left objects open");
        }
    }

    /** A float buffer of the given kind; "array" is array-backed so its array can be passed. */
    private static FloatBuffer buffer(String kind, int n) {
        FloatBuffer b = switch (kind) {
            case "direct" -> ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            case "view" -> ByteBuffer.allocate(n * 4).order(ByteOrder.nativeOrder()).asFloatBuffer();
            default -> FloatBuffer.allocate(n);
        };
        for (int i = 0; i < n; i++) {
            b.put(i, 42f);
        }
        return b;
    }

    /**
     * A build fails where programs are built: while planning a last-axis op (before any chunk: the
     * output is untouched), or in chunk 0's launch of an any-axis op or a gradient (the output is all
     * NaN). The program cache must not keep the failed program, so the retry builds it and gives the
     * bits of an engine that never failed.
     */
    @ParameterizedTest(name = "{0}: {1}")
    @CsvSource({"array,softmax", "array,axis", "array,backward", "direct,softmax", "direct,axis", "direct,backward",
        "view,softmax", "view,axis", "view,backward", "device,softmax", "device,axis", "device,backward"})
    void aFailedBuildLeavesNoBrokenProgramAndTheEngineUsable(String kind, String op) {
        float[] x = Inputs.floats(Pattern.ADVERSARIAL, ROWS, COLS, 6);
        float[] dy = Inputs.floats(Pattern.RANDOM, ROWS, COLS, 7);
        float[] expected;
        try (SoftmaxEngine clean = engine(Faults.NONE, null)) {
            FloatBuffer out = buffer("array", x.length);
            call(clean, kind, op, x, dy, out);
            expected = out.array().clone();
        }
        long before = ClObject.liveCount();
        Injected faults = new Injected("clBuildProgram", 0);
        try (SoftmaxEngine e = engine(faults, null)) {
            if (op.equals("backward")) {
                // Planning a gradient builds the forward kernels of its op too: build those first, so
                // that the failure is the gradient's own program, in chunk 0.
                faults.armed = false;
                e.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, ROWS, COLS);
                faults.armed = true;
            }
            int programs = Internals.core(e).programs().programCount();
            FloatBuffer out = buffer(kind, x.length);
            ClException ex = assertThrows(ClException.class, () -> call(e, kind, op, x, dy, out));
            assertTrue(ex.getMessage().startsWith("clBuildProgram: CL_BUILD_PROGRAM_FAILURE"), ex.getMessage());
            assertEquals(programs, Internals.core(e).programs().programCount(), "a failed build is not cached");
            float[] after = new float[x.length];
            out.get(0, after);
            for (float v : kind.equals("device") ? new float[0] : after) {
                if (op.equals("softmax")) {
                    assertEquals(42f, v, "a build that fails while planning comes before any work");
                } else {
                    assertTrue(Float.isNaN(v), "a build that fails in a chunk leaves the output all NaN");
                }
            }
            call(e, kind, op, x, dy, out);
            out.get(0, after);
            assertArrayEquals(expected, after, "the retry builds the program again and gives the right bits");
            assertTrue(Internals.core(e).programs().programCount() > programs);
        }
        assertEquals(before, ClObject.liveCount(), "the failed build leaked an OpenCL object");
    }

    /**
     * Drivers fail a build now and then (PoCL, while other engines compile and launch), so a failed
     * build is tried once more; a program that fails twice fails the call and is not cached, and the
     * next call builds it again.
     */
    @ParameterizedTest(name = "{0} failed attempt(s)")
    @ValueSource(ints = {1, 2})
    void aFailedBuildIsTriedOnceMore(int failing) {
        float[] x = Inputs.floats(Pattern.RANDOM, ROWS, COLS, 8);
        float[] expected;
        try (SoftmaxEngine clean = engine(Faults.NONE, null)) {
            expected = clean.softmax(x, ROWS, COLS);
        }
        AtomicInteger left = new AtomicInteger(failing);
        AtomicInteger attempts = new AtomicInteger();
        Faults faults = (call, chunk) -> {
            if (call.equals("clBuildProgram")) {
                attempts.incrementAndGet();
                if (left.getAndDecrement() > 0) {
                    throw new ClBuildException(CL.CL_BUILD_PROGRAM_FAILURE, "softmax_vector.cl", "-DINJECTED",
                            "error: unable to rename temporary (injected)");
                }
            }
        };
        long before = ClObject.liveCount();
        try (SoftmaxEngine e = engine(faults, null)) {
            if (failing == 1) {
                assertArrayEquals(expected, e.softmax(x, ROWS, COLS), "the second attempt built the program");
            } else {
                ClBuildException ex = assertThrows(ClBuildException.class, () -> e.softmax(x, ROWS, COLS));
                assertTrue(ex.getMessage().startsWith("clBuildProgram: CL_BUILD_PROGRAM_FAILURE"), ex.getMessage());
                assertEquals(0, Internals.core(e).programs().programCount(), "a failed build is not cached");
                assertArrayEquals(expected, e.softmax(x, ROWS, COLS), "the next call builds it again");
            }
            assertEquals(failing + 1, attempts.get(), "one more attempt after a failure, never two");
        }
        assertEquals(before, ClObject.liveCount(), "the failed builds leaked an OpenCL object");
    }

    /**
     * softmax (last axis), log-softmax along axis 1 of (ROWS, 30, 10), or the softmax gradient, from
     * the given kind of memory into {@code out}; device tensors are downloaded into {@code out}.
     */
    private static void call(SoftmaxEngine e, String kind, String op, float[] x, float[] dy, FloatBuffer out) {
        long[] shape = op.equals("axis") ? new long[] {ROWS, 30, 10} : new long[] {ROWS, COLS};
        SoftmaxOp o = op.equals("axis") ? SoftmaxOp.logSoftmax().withAxis(1) : SoftmaxOp.softmax();
        if (kind.equals("device")) {
            try (DeviceTensor tx = e.upload(HostTensor.of(x, shape));
                    DeviceTensor tdy = e.upload(HostTensor.of(dy, shape));
                    DeviceTensor ty = e.allocate(ElementType.FLOAT32, shape)) {
                run(e, op, o, tx, tdy, ty);
                float[] got = new float[x.length];
                ty.download(HostTensor.of(got, shape));
                out.put(0, got);
            }
            return;
        }
        HostTensor y = kind.equals("array") ? HostTensor.of(out.array(), shape) : HostTensor.of(out, shape);
        run(e, op, o, HostTensor.of(x, shape), HostTensor.of(dy, shape), y);
    }

    private static void run(SoftmaxEngine e, String op, SoftmaxOp o, Tensor x, Tensor dy, Tensor y) {
        if (op.equals("backward")) {
            e.backward(x, dy, y, o);
        } else {
            e.forward(x, y, o);
        }
    }

    @Test
    void aFailedDeviceTensorCallLeavesTheEngineUsable() {
        float[] x = Inputs.floats(Pattern.RANDOM, ROWS, COLS, 2);
        Injected faults = new Injected("clEnqueueNDRangeKernel", 0);
        try (SoftmaxEngine e = engine(faults, null);
                DeviceTensor t = e.upload(HostTensor.of(x, ROWS, COLS));
                DeviceTensor u = e.allocate(ElementType.FLOAT32, ROWS, COLS)) {
            assertThrows(ClException.class, () -> e.forward(t, u, SoftmaxOp.softmax()));
            e.forward(t, u, SoftmaxOp.softmax());
            float[] got = new float[x.length];
            u.download(HostTensor.of(got, ROWS, COLS));
            assertArrayEquals(e.softmax(x, ROWS, COLS), got);
        }
    }

    @Test
    void aFailedAllocationKeepsTheEngineUsable() {
        Injected faults = new Injected("clCreateBuffer", 0);
        try (SoftmaxEngine e = engine(faults, null)) {
            assertThrows(ClException.class, () -> e.allocate(ElementType.FLOAT32, 10, 10));
            try (DeviceTensor t = e.allocate(ElementType.FLOAT32, 10, 10)) {
                assertEquals(100, t.elements());
            }
            // Growing the staging buffers: the failed allocation must not close the old ones.
            float[] small = Inputs.floats(Pattern.RANDOM, 2, COLS, 3);
            float[] expected = e.softmax(small, 2, COLS);
            faults.armed = true;
            float[] big = Inputs.floats(Pattern.RANDOM, ROWS, COLS, 4);
            assertThrows(ClException.class, () -> e.softmax(big, ROWS, COLS));
            assertArrayEquals(expected, e.softmax(small, 2, COLS));
            assertArrayEquals(e.softmax(big, ROWS, COLS), e.softmax(big, ROWS, COLS));
        }
    }

    @Test
    void closingADeviceTensorWaitsForTheCallUsingIt() throws Exception {
        CountDownLatch inKernel = new CountDownLatch(1);
        CountDownLatch release = new CountDownLatch(1);
        Faults block = (call, chunk) -> {
            if (call.equals("clEnqueueNDRangeKernel")) {
                inKernel.countDown();
                try {
                    release.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        float[] x = Inputs.floats(Pattern.RANDOM, ROWS, COLS, 5);
        try (SoftmaxEngine e = engine(block, null)) {
            DeviceTensor t = e.upload(HostTensor.of(x, ROWS, COLS));
            AtomicReference<Throwable> failure = new AtomicReference<>();
            Thread call = new Thread(() -> {
                try {
                    e.forward(t, t, SoftmaxOp.softmax());
                } catch (Throwable ex) {
                    failure.set(ex);
                }
            });
            call.start();
            assertTrue(inKernel.await(30, TimeUnit.SECONDS));
            Thread closer = new Thread(t::close);
            closer.start();
            // The closer must be parked on the engine's lock while the call holds it.
            while (closer.getState() != Thread.State.WAITING && closer.isAlive()) {
                Thread.onSpinWait();
            }
            assertTrue(closer.isAlive(), "close() returned while a call was using the tensor");
            release.countDown();
            call.join();
            closer.join();
            assertEquals(null, failure.get(), "the running call failed");
            assertThrows(IllegalStateException.class, () -> t.download(HostTensor.of(new float[x.length], ROWS, COLS)));
        }
    }

    @Test
    void unclosedEnginesAndTensorsAreReleasedByTheCleaner() throws Exception {
        long before = ClObject.liveCount();
        long released = Leaks.releasedCount();
        abandon();
        for (int i = 0; i < 200 && (Leaks.releasedCount() < released + 2 || ClObject.liveCount() > before); i++) {
            System.gc();
            Thread.sleep(20);
        }
        assertTrue(Leaks.releasedCount() >= released + 2, "the Cleaner released the engine and its tensor");
        assertEquals(before, ClObject.liveCount(), "every OpenCL object of the abandoned engine is released");
    }

    private static void abandon() {
        SoftmaxEngine e = SoftmaxEngine.builder().tuning(false).build();
        DeviceTensor t = e.allocate(ElementType.FLOAT32, 4, 4);
        e.forward(t, t, SoftmaxOp.softmax());
    }
}
