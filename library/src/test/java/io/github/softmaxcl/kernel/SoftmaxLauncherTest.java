/*
 * The launcher's scratch under a cap and after failures. Kernels that need scratch run in windows
 * that fit the cap (the device's largest allocation in production; tiny caps here), and windowed runs
 * must give the bits of one launch over the whole array, and match the reference. A failed scratch
 * allocation must leave the launcher as it was, so the next call works.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.reference.Float16;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.FamilyCheck;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.jocl.CL;
import org.jocl.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class SoftmaxLauncherTest extends ClTest {
    private static final SoftmaxOp[] OPTIONS = {SoftmaxOp.softmax(),
            SoftmaxOp.logSoftmax().withTemperature(0.7).withMaskedRows(MaskedRows.ZERO)};

    private SoftmaxLauncher launcher(long cap) {
        return new SoftmaxLauncher(cl.context, cl.queue, cl.programs, cl.device, cap);
    }

    private void requireType(ElementType t) {
        assumeTrue(t != ElementType.FLOAT64 || cl.device.fp64(), "float64 needs cl_khr_fp64");
    }

    private static Features features(SoftmaxOp o, boolean mask) {
        return new Features(o.isLog(), 1.0 / o.temperature(), mask, o.maskedRows() == MaskedRows.ZERO);
    }

    /** Values rounded to t, with a few -inf, reproducible. */
    private static double[] input(long n, ElementType t, long seed) {
        double[] x = Inputs.doubles(Inputs.Pattern.OUTLIERS, 1, (int) n, seed);
        Random r = new Random(seed);
        for (int i = 0; i < x.length; i++) {
            if (r.nextInt(50) == 0) {
                x[i] = Double.NEGATIVE_INFINITY;
            }
        }
        return FamilyCheck.rounded(x, t);
    }

    private static byte[] mask(long n, long seed) {
        Random r = new Random(seed);
        byte[] m = new byte[(int) n];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (r.nextInt(5) == 0 ? 0 : 1);
        }
        return m;
    }

    private ClBuffer upload(double[] x, ElementType t) {
        ByteBuffer b = ByteBuffer.allocateDirect(x.length * t.bytes()).order(ByteOrder.nativeOrder());
        for (double v : x) {
            switch (t) {
                case FLOAT64 -> b.putDouble(v);
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT16 -> b.putShort(Float16.fromFloat((float) v));
                case BFLOAT16 -> b.putShort((short) (Float.floatToRawIntBits((float) v) >>> 16));
            }
        }
        return upload(b.flip());
    }

    private ClBuffer upload(ByteBuffer b) {
        ClBuffer buf = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_WRITE, Math.max(1, b.capacity()));
        buf.write(cl.queue, 0, b.capacity(), Pointer.to(b));
        return buf;
    }

    private ByteBuffer download(ClBuffer b, long bytes) {
        ByteBuffer out = ByteBuffer.allocateDirect((int) bytes).order(ByteOrder.nativeOrder());
        b.read(cl.queue, 0, bytes, Pointer.to(out));
        return out;
    }

    private static double[] decode(ByteBuffer b, ElementType t) {
        double[] d = new double[b.capacity() / t.bytes()];
        for (int i = 0; i < d.length; i++) {
            d[i] = switch (t) {
                case FLOAT64 -> b.getDouble(i * 8);
                case FLOAT32 -> b.getFloat(i * 4);
                case FLOAT16 -> Float16.toFloat(b.getShort(i * 2));
                case BFLOAT16 -> Float.intBitsToFloat((b.getShort(i * 2) & 0xFFFF) << 16);
            };
        }
        return d;
    }

    private static byte[] bytes(ByteBuffer b) {
        byte[] a = new byte[b.capacity()];
        b.get(0, a);
        return a;
    }

    /** One call, timed by its events: returns (output, number of kernels enqueued). */
    private record Run(ByteBuffer out, int kernels) {}

    private interface Call {
        List<ClEvent> enqueue(SoftmaxLauncher l, ClBuffer x, ClBuffer y, ClBuffer mask);
    }

    /** y starts as all-ones bytes, NaN in every element type, so that an element no kernel wrote shows. */
    private Run run(long cap, double[] x, byte[] mask, ElementType t, Call call) {
        byte[] ones = new byte[x.length * t.bytes()];
        Arrays.fill(ones, (byte) -1);
        try (SoftmaxLauncher l = launcher(cap);
                ClBuffer xb = upload(x, t);
                ClBuffer yb = upload(ByteBuffer.allocateDirect(ones.length).put(ones).flip());
                ClBuffer mb = mask == null ? null : upload(ByteBuffer.allocateDirect(mask.length).put(mask).flip())) {
            List<ClEvent> events = call.enqueue(l, xb, yb, mb);
            events.forEach(ClEvent::close);
            return new Run(download(yb, ones.length), events.size());
        }
    }

    @ParameterizedTest
    @EnumSource(ElementType.class)
    void sweepWindowsGiveTheBitsOfOneLaunchUnderAnyCap(ElementType t) {
        requireType(t);
        long outer = 3;
        long k = 600;
        long inner = 100;
        long[] shape = {outer, k, inner};
        int vec = Planner.defaultVec(t);
        long perColumn = 4L * t.computeType().bytes(); // 600 rows: 2 chunks of (max, sum) per column
        long columnWindows = perColumn * vec * 2; // windows of 2 * vec columns, the last one partial
        long sliceWindows = perColumn * inner * 2; // whole rows, 2 slices per window
        for (SoftmaxOp o : OPTIONS) {
            boolean masked = o != SoftmaxOp.softmax();
            double[] x = input(outer * k * inner, t, 11);
            byte[] m = masked ? mask(x.length, 12) : null;
            Features f = features(o, masked);
            Call call = (l, xb, yb, mb) -> l.enqueueAxis(true, t, f, xb, yb, outer, k, inner, mb, true);
            Run whole = run(Long.MAX_VALUE, x, m, t, call);
            assertEquals(3, whole.kernels());
            Comparison c = FamilyCheck.compareForward(x, decode(whole.out(), t), shape, 1, t, o, m);
            assertTrue(c.passed(), t + " " + o + ": " + c);
            Run columns = run(columnWindows, x, m, t, call);
            assertEquals(3 * outer * ((inner + 2 * vec - 1) / (2 * vec)), columns.kernels());
            assertArrayEquals(bytes(whole.out()), bytes(columns.out()), "column windows, " + t + " " + o);
            Run slices = run(sliceWindows, x, m, t, call);
            assertEquals(3 * 2, slices.kernels());
            assertArrayEquals(bytes(whole.out()), bytes(slices.out()), "slice windows, " + t + " " + o);
        }
    }

    @ParameterizedTest
    @EnumSource(value = Variant.class, names = {"SPLIT", "CHUNKS"})
    void twoStageRowWindowsGiveTheBitsOfOneLaunch(Variant v) {
        // 37 rows: CHUNKS launches 12 work-groups and finishes by thread; 400 rows: 125, by index
        // (AFFINITY_GROUPS in softmax_chunks.cl); windows of 4 rows: 2 groups each
        for (long rows : new long[] {37, 400}) {
            twoStageRowWindows(v, rows);
        }
    }

    private void twoStageRowWindows(Variant v, long rows) {
        long cols = 1000;
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT16}) {
            Plan plan = Planner.configure(v, rows, cols, t, cl.device, 5, Tunables.DEFAULTS);
            long perRow = 2L * 5 * t.computeType().bytes() + (v == Variant.CHUNKS ? 5 * Variant.AFFINITY_BYTES : 0);
            for (SoftmaxOp o : OPTIONS) {
                boolean masked = o != SoftmaxOp.softmax();
                double[] x = input(rows * cols, t, 21);
                byte[] m = masked ? mask(x.length, 22) : null;
                Features f = features(o, masked);
                Call call = (l, xb, yb, mb) -> l.enqueue(plan, f, xb, yb, rows, cols, mb, masked ? cols : 0, true);
                Run whole = run(Long.MAX_VALUE, x, m, t, call);
                assertEquals(2, whole.kernels());
                Comparison c = FamilyCheck.compareForward(x, decode(whole.out(), t), new long[] {rows, cols}, -1, t, o,
                        m);
                assertTrue(c.passed(), v + " " + t + " " + o + ": " + c);
                Run windows = run(perRow * 4, x, m, t, call);
                assertEquals(2 * ((rows + 3) / 4), windows.kernels());
                assertArrayEquals(bytes(whole.out()), bytes(windows.out()), v + " " + t + " " + o);
            }
        }
    }

    @Test
    void aFailedScratchAllocationLeavesTheLauncherUsable() {
        ElementType t = ElementType.FLOAT32;
        long outer = 2;
        long k = 600;
        long inner = 40;
        double[] x = input(outer * k * inner, t, 31);
        long bytes = x.length * 4L;
        try (SoftmaxLauncher l = launcher(Long.MAX_VALUE);
                ClBuffer xb = upload(x, t);
                ClBuffer yb = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_WRITE, bytes)) {
            l.enqueueAxis(true, t, Features.PLAIN, xb, yb, outer, k, inner, null, false);
            byte[] first = bytes(download(yb, bytes));
            // Scratch for a row of maxAlloc columns cannot be allocated; nothing is enqueued.
            long huge = cl.device.maxAllocBytes();
            assertThrows(RuntimeException.class,
                    () -> l.enqueueAxis(true, t, Features.PLAIN, xb, yb, 1, 1, huge, null, false));
            l.enqueueAxis(true, t, Features.PLAIN, xb, yb, outer, k, inner, null, false);
            assertArrayEquals(first, bytes(download(yb, bytes)), "the next call works and gives the same bits");
            // A larger call still grows the scratch (allocate first, then release the old buffer).
            try (ClBuffer x2 = upload(input(8 * k * inner, t, 32), t);
                    ClBuffer y2 = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_WRITE, 8 * k * inner * 4)) {
                l.enqueueAxis(true, t, Features.PLAIN, x2, y2, 8, k, inner, null, false);
                cl.queue.finish();
            }
        }
    }

    @Test
    void eventsOnlyWhenProfilingAndAMaskBufferWhenTheFeaturesReadOne() {
        ElementType t = ElementType.FLOAT32;
        Plan plan = Planner.plan(4, 50, t, cl.device, null, 0, Tuning.NONE);
        double[] x = input(200, t, 41);
        assertEquals(0, run(Long.MAX_VALUE, x, null, t,
                (l, xb, yb, mb) -> l.enqueue(plan, Features.PLAIN, xb, yb, 4, 50, null, 0, false)).kernels());
        assertTrue(run(Long.MAX_VALUE, x, null, t,
                (l, xb, yb, mb) -> l.enqueue(plan, Features.PLAIN, xb, yb, 4, 50, null, 0, true)).kernels() >= 1);
        assertThrows(IllegalArgumentException.class, () -> run(Long.MAX_VALUE, x, null, t,
                (l, xb, yb, mb) -> l.enqueue(plan, new Features(false, 1, true, false), xb, yb, 4, 50, null, 0, false)));
    }
}
