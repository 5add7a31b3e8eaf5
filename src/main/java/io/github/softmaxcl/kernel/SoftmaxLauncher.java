/*
 * Enqueues a plan's kernels on device buffers that already hold the input. It owns the small
 * scratch buffer the SPLIT variant needs for its per-group (max, sum) pairs, grown on demand and
 * reused, so repeated calls allocate nothing. Not thread-safe: the engine serialises access.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClQueue;
import java.util.ArrayList;
import java.util.List;
import org.jocl.CL;

/** Runs softmax kernels on device-resident data. */
public final class SoftmaxLauncher implements AutoCloseable {
    static final String FILE = "softmax.cl";

    private final ClContext context;
    private final ClQueue queue;
    private final ProgramCache programs;
    private ClBuffer scratch;

    /**
     * @param context the context (not owned)
     * @param queue the queue (not owned)
     * @param programs the program cache (not owned)
     */
    public SoftmaxLauncher(ClContext context, ClQueue queue, ProgramCache programs) {
        this.context = context;
        this.queue = queue;
        this.programs = programs;
    }

    /**
     * Builds the plan's program now, so that timing and first-call latency exclude compilation.
     *
     * @param plan the plan
     * @throws io.github.softmaxcl.cl.ClBuildException if it does not compile
     */
    public void prepare(Plan plan) {
        for (String f : functions(plan)) {
            programs.kernel(FILE, plan.buildOptions(), f);
        }
    }

    private static String[] functions(Plan plan) {
        return switch (plan.variant()) {
            case ROWS -> new String[] {"softmax_rows"};
            case REGISTERS -> new String[] {"softmax_registers"};
            case SPLIT -> new String[] {"softmax_partial", "softmax_finish"};
        };
    }

    /**
     * Enqueues softmax of {@code rows x cols} elements from {@code x} into {@code y}. The kernels
     * declare both {@code restrict}: {@code y} must be a different buffer from {@code x}.
     *
     * @param plan the plan
     * @param x input buffer, at least rows*cols elements
     * @param y output buffer, at least rows*cols elements
     * @param rows rows, &gt;= 1
     * @param cols row length, &gt;= 1
     * @param profile whether to return events for timing
     * @return the kernel events (to be closed by the caller), or an empty list when not profiling
     * @throws io.github.softmaxcl.cl.ClException if a launch fails
     */
    public List<ClEvent> enqueue(Plan plan, ClBuffer x, ClBuffer y, long rows, long cols, boolean profile) {
        String options = plan.buildOptions();
        List<ClEvent> events = new ArrayList<>(2);
        try {
            switch (plan.variant()) {
                case ROWS -> {
                    ClKernel k = programs.kernel(FILE, options, "softmax_rows");
                    k.arg(0, x).arg(1, y).arg(2, rows).arg(3, cols);
                    long global = (rows + plan.wg() - 1) / plan.wg() * plan.wg();
                    add(events, k.enqueue(queue, global, plan.wg(), profile));
                }
                case REGISTERS -> {
                    ClKernel k = programs.kernel(FILE, options, "softmax_registers");
                    k.arg(0, x).arg(1, y).arg(2, rows).arg(3, cols);
                    add(events, k.enqueue(queue, rows * plan.wg(), plan.wg(), profile));
                }
                case SPLIT -> {
                    long chunk = plan.chunk(cols);
                    long groups = rows * plan.split();
                    ClBuffer part = scratch(groups * 2 * plan.precision().bytes());
                    ClKernel p = programs.kernel(FILE, options, "softmax_partial");
                    p.arg(0, x).arg(1, part).arg(2, rows).arg(3, cols).arg(4, chunk).argInt(5, plan.split());
                    add(events, p.enqueue(queue, groups * plan.wg(), plan.wg(), profile));
                    ClKernel f = programs.kernel(FILE, options, "softmax_finish");
                    f.arg(0, x).arg(1, y).arg(2, part).arg(3, rows).arg(4, cols).arg(5, chunk)
                            .argInt(6, plan.split());
                    add(events, f.enqueue(queue, groups * plan.wg(), plan.wg(), profile));
                }
                default -> throw new IllegalStateException("unknown variant " + plan.variant());
            }
        } catch (RuntimeException e) {
            events.forEach(ClEvent::close);
            throw e;
        }
        return events;
    }

    private static void add(List<ClEvent> events, ClEvent e) {
        if (e != null) {
            events.add(e);
        }
    }

    private ClBuffer scratch(long bytes) {
        if (scratch == null || scratch.bytes() < bytes) {
            if (scratch != null) {
                queue.finish(); // a previous launch may still read the old scratch buffer
                scratch.close();
                scratch = null;
            }
            scratch = ClBuffer.allocate(context, CL.CL_MEM_READ_WRITE, bytes);
        }
        return scratch;
    }

    @Override
    public void close() {
        if (scratch != null) {
            scratch.close();
            scratch = null;
        }
    }
}
