/*
 * One call being enqueued: the program it builds (kernel file and options), its element type, the
 * events it collects, and the launcher's scratch. Kernel definitions (Variant, AxisKernels) use it to
 * get kernels, bind arguments in declaration order and enqueue; they never see the program cache,
 * the queue or the scratch fields. If anything fails, the events enqueued so far are closed.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClEvent;
import io.github.softmaxcl.cl.ClKernel;
import java.util.ArrayList;
import java.util.List;

final class Launch {
    /** Scratch slots of the launcher: per-part (max, sum) pairs, and per-column statistics. */
    static final int PARTS = 0;
    static final int STATS = 1;

    private final SoftmaxLauncher owner;
    private final String file;
    private final String options;
    private final ElementType compute;
    private final boolean profile;
    private final List<ClEvent> events = new ArrayList<>(3);

    /**
     * @param owner the launcher whose programs, queue and scratch this call uses
     * @param file the kernel file
     * @param options its build options
     * @param type the storage element type (arithmetic runs in its compute type)
     * @param profile whether to keep the kernels' events
     */
    Launch(SoftmaxLauncher owner, String file, String options, ElementType type, boolean profile) {
        this.owner = owner;
        this.file = file;
        this.options = options;
        this.compute = type.computeType();
        this.profile = profile;
    }

    /** Runs {@code body}; returns the events, or closes them if it fails. */
    List<ClEvent> execute(Runnable body) {
        try {
            body.run();
            return events;
        } catch (RuntimeException e) {
            events.forEach(ClEvent::close);
            throw e;
        }
    }

    /** @return the kernel, building the program on first use */
    ClKernel kernel(String function) {
        return owner.programs().kernel(file, options, function);
    }

    /** @return a binder that sets {@code k}'s arguments from index 0 on, in declaration order */
    Args args(ClKernel k) {
        return new Args(k, compute, owner.dummyMask());
    }

    /** Enqueues {@code k} over {@code global} work-items in groups of {@code local}, or fewer (fitLocal). */
    void run(ClKernel k, long global, long local) {
        long fitted = fitLocal(k, global, local, owner.groupLimit(k));
        owner.observer().launched(file, options, k, global, fitted);
        ClEvent e = k.enqueue(owner.queue(), global, fitted, profile);
        if (e != null) {
            events.add(e);
        }
    }

    /** @return bytes of compute-type values, the unit of every scratch buffer */
    int computeBytes() {
        return compute.bytes();
    }

    /** @return the largest scratch buffer the launcher may allocate */
    long scratchCap() {
        return owner.scratchCap();
    }

    /** @return the launcher's scratch buffer in {@code slot}, at least {@code bytes} long */
    ClBuffer scratch(int slot, long bytes) {
        return owner.scratch(slot, bytes);
    }

    /**
     * The local size to launch {@code k} with: {@code local} if the kernel can run it, else the
     * largest divisor of it within the kernel's limit (a divisor of local divides the global size
     * too). Only kernels that check their global index against the work take a smaller group; one
     * compiled for a work-group size (reqd_work_group_size) cannot, and its plan must be fitted first.
     *
     * @param k the kernel
     * @param global the global size, a multiple of local
     * @param local the local size wanted
     * @param limit the largest work-group the kernel runs
     * @return the local size
     * @throws IllegalStateException if the kernel is compiled for a work-group above its limit
     */
    static long fitLocal(ClKernel k, long global, long local, long limit) {
        if (local <= limit) {
            return local;
        }
        if (k.limits().compileWorkGroupSize() != 0) {
            throw new IllegalStateException("kernel " + k.name() + " is compiled for work-groups of "
                    + k.limits().compileWorkGroupSize() + ", above the " + limit + " it can run on this device");
        }
        for (long d = limit; d > 1; d--) {
            if (local % d == 0 && global % d == 0) {
                return d;
            }
        }
        return 1;
    }

    static long roundUp(long n, long multiple) {
        return (n + multiple - 1) / multiple * multiple;
    }

    /** Sets a kernel's arguments in the order the kernel declares them. */
    static final class Args {
        private final ClKernel kernel;
        private final ElementType compute;
        private final ClBuffer dummyMask;
        private int next;

        Args(ClKernel kernel, ElementType compute, ClBuffer dummyMask) {
            this.kernel = kernel;
            this.compute = compute;
            this.dummyMask = dummyMask;
        }

        Args buffer(ClBuffer b) {
            kernel.arg(next++, b);
            return this;
        }

        Args u64(long v) {
            kernel.arg(next++, v);
            return this;
        }

        Args u32(int v) {
            kernel.argInt(next++, v);
            return this;
        }

        /** A {@code real}: float, or double when arithmetic runs in float64. */
        Args real(double v) {
            if (compute == ElementType.FLOAT64) {
                kernel.argDouble(next++, v);
            } else {
                kernel.argFloat(next++, (float) v);
            }
            return this;
        }

        /**
         * The tail every forward kernel declares: (mask, mask_stride, scale). Without a mask a valid
         * one-byte buffer is bound, never a null one: the kernel does not read it, but API checkers do.
         */
        Args forward(Features f, ClBuffer mask, long maskStride) {
            return buffer(mask != null ? mask : dummyMask).u64(maskStride).real(f.scale());
        }
    }
}
