/*
 * Measurement hooks for `bench`, the tuner and tests: kernel-only times from OpenCL profiling
 * events on device tensors, the copy-kernel yardstick, and filling a tensor. They run under the
 * engine's lock like every call, and are not part of the public API.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.kernel.Features;
import io.github.softmaxcl.kernel.Plan;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import java.util.function.Supplier;
import org.jocl.Pointer;

/** Timing and filling on device tensors. */
public final class Probes {
    private Probes() {}

    /**
     * Kernel time of one last-axis launch of {@code plan} from {@code in} to {@code out}.
     *
     * @param in input (its last axis is the row)
     * @param out output, same shape (may be {@code in})
     * @param plan the plan, e.g. a tuning candidate
     * @param f kernel features
     * @return nanoseconds of kernel execution
     */
    public static long kernelNanos(DeviceData in, DeviceData out, Plan plan, Features f) {
        long[] s = in.shape();
        long cols = s[s.length - 1];
        long rows = cols == 0 ? 0 : in.elements() / cols;
        return timed(in, out, () -> lane(in).launcher().enqueue(plan, f, in.buffer(), out.buffer(), rows, cols, null,
                0, true));
    }

    /**
     * Kernel time of a whole problem (any op, any axis) from {@code in} to {@code out}.
     *
     * @param p the problem
     * @param mask its mask, or null
     * @param in input
     * @param out output
     * @return nanoseconds of kernel execution
     */
    public static long kernelNanos(Problem p, byte[] mask, DeviceData in, DeviceData out) {
        p.checkMask(mask);
        EngineCore core = in.core();
        return timed(in, out, () -> {
            io.github.softmaxcl.cl.ClBuffer m = null;
            if (mask != null) {
                m = core.pool().device("mask-row", mask.length, 0);
                m.write(lane(in).queue(), 0, mask.length, Pointer.to(mask));
            }
            return p.plan() != null
                    ? lane(in).launcher().enqueue(p.plan(), p.features(), in.buffer(), out.buffer(), p.outer(), p.k(),
                            m, p.maskStride(), true)
                    : lane(in).launcher().enqueueAxis(core.sweepsAxis(), p.type(), p.features(), in.buffer(),
                            out.buffer(), p.outer(), p.k(), p.inner(), m, true);
        });
    }

    /**
     * @param in source
     * @param out destination, same size
     * @return nanoseconds of the copy kernel over the whole tensor
     */
    public static long copyNanos(DeviceData in, DeviceData out) {
        EngineCore core = in.core();
        core.lock().lock();
        try {
            return lane(in).launcher().copyNanos(in.buffer(), out.buffer(), in.bytes());
        } finally {
            core.lock().unlock();
        }
    }

    /**
     * Fills a tensor with one value.
     *
     * @param d the tensor
     * @param value the value, rounded to the tensor's type (float32 or float64)
     */
    public static void fill(DeviceData d, double value) {
        EngineCore core = d.core();
        core.lock().lock();
        try {
            ByteBuffer pattern = ByteBuffer.allocate(d.type() == ElementType.FLOAT64 ? 8 : 4)
                    .order(ByteOrder.nativeOrder());
            if (d.type() == ElementType.FLOAT64) {
                pattern.putDouble(value);
            } else {
                pattern.putFloat((float) value);
            }
            d.buffer().fill(lane(d).queue(), d.bytes(), pattern.array(), core.device().simulator());
            lane(d).queue().finish();
        } finally {
            core.lock().unlock();
        }
    }

    private static Lane lane(DeviceData d) {
        return d.core().lanes(1)[0];
    }

    private static long timed(DeviceData in, DeviceData out, Supplier<List<ClEvent>> launch) {
        if (in.core() != out.core()) {
            throw new IllegalArgumentException("tensors belong to different engines");
        }
        EngineCore core = in.core();
        core.lock().lock();
        try {
            List<ClEvent> events = launch.get();
            try {
                long nanos = 0;
                for (ClEvent e : events) {
                    nanos += e.elapsedNanos();
                }
                lane(in).queue().finish();
                return nanos;
            } finally {
                events.forEach(ClEvent::close);
            }
        } finally {
            core.lock().unlock();
        }
    }
}
