/*
 * Kernels run within their own limits. Every kernel reads CL_KERNEL_WORK_GROUP_SIZE, its compiled-in
 * work-group size and its local and private memory when it is made; a compiler short of registers
 * may allow a kernel less than its device, and the launcher then re-plans work-group kernels for the
 * smaller size and cuts the local size of the others. The limit is forced down here (a cap on what
 * the kernels report, as such a compiler would set it), and every kernel must still give the
 * reference's results without being launched above it.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.reference.Inputs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jocl.CL;
import org.jocl.Pointer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class KernelLimitsTest extends ClTest {
    private static final ElementType T = ElementType.FLOAT32;

    @Test
    void everyKernelKnowsItsLimitsAndWorkGroupKernelsTheirCompiledSize() {
        for (Variant v : Variant.values()) {
            Plan plan = Planner.configure(v, 4, 16, T, cl.device, 0, Tunables.DEFAULTS);
            String options = BuildOptions.join(plan.buildOptions(), Features.PLAIN.defines());
            for (String function : v.kernels()) {
                ClKernel.Limits l = cl.programs.kernel(v.file(), options, function).limits();
                assertTrue(l.workGroupSize() >= 1 && l.workGroupSize() <= cl.device.maxWorkGroupSize(), v + ": " + l);
                assertTrue(l.localMemBytes() >= 0 && l.privateMemBytes() >= 0, v + ": " + l);
                // Work-group kernels declare reqd_work_group_size(WG); one-work-item kernels declare none.
                assertTrue(l.compileWorkGroupSize() == 0 || l.compileWorkGroupSize() == plan.wg(), v + ": " + l);
            }
        }
    }

    /** Caps of 48 and 16: below the defaults of every kind, one not a power of two. */
    @ParameterizedTest
    @ValueSource(ints = {48, 16})
    void everyVariantGivesTheReferenceUnderASmallKernelLimit(int cap) {
        for (Variant v : Variant.values()) {
            for (long cols : new long[] {7, 33, 1000}) {
                Plan plan;
                try {
                    plan = Planner.configure(v, 5, cols, T, cl.device, 0, Tunables.DEFAULTS);
                } catch (IllegalArgumentException e) {
                    continue; // the variant does not take rows of this length on this device
                }
                try (SoftmaxLauncher l = new SoftmaxLauncher(cl.context, cl.queue, cl.programs, cl.device)) {
                    l.capKernelWorkGroups(cap);
                    Plan fitted = l.fit(plan, Features.PLAIN, 5, cols);
                    assertTrue(fitted.wg() <= cap, plan + " became " + fitted + " under a limit of " + cap);
                    double[] x = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.ADVERSARIAL, 5, (int) cols, cols), T);
                    double[] y = run(x, (xb, yb) -> l.enqueue(plan, Features.PLAIN, xb, yb, 5, cols, null, 0, false));
                    Comparison c = FamilyCheck.compareForward(x, y, new long[] {5, cols}, -1, T, SoftmaxOp.softmax(),
                            null);
                    assertTrue(c.passed(), plan + " under a limit of " + cap + ": " + c);
                }
            }
        }
    }

    @Test
    void anyAxisAndGradientKernelsGiveTheReferenceUnderASmallKernelLimit() {
        long[] shape = {3, 40, 37};
        double[] x = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.OUTLIERS, 1, 3 * 40 * 37, 5), T);
        for (boolean sweep : new boolean[] {false, true}) {
            try (SoftmaxLauncher l = new SoftmaxLauncher(cl.context, cl.queue, cl.programs, cl.device)) {
                l.capKernelWorkGroups(3);
                double[] y = run(x, (xb, yb) -> l.enqueueAxis(sweep, T, Features.PLAIN, xb, yb, 3, 40, 37, null,
                        false));
                Comparison c = FamilyCheck.compareForward(x, y, shape, 1, T, SoftmaxOp.softmax(), null);
                assertTrue(c.passed(), (sweep ? "sweep" : "strided") + ": " + c);
                double[] dx = run2(y, x, (yb, db, xb) -> l.enqueueBackward(T, Features.PLAIN, yb, db, xb, 3, 40, 37,
                        false));
                Comparison g = FamilyCheck.compareBackward(y, x, dx, shape, 1, T, SoftmaxOp.softmax());
                assertTrue(g.passed(), "gradient: " + g);
            }
        }
    }

    @Test
    void aLocalSizeIsCutToADivisorWithinTheLimitAndACompiledSizeIsNeverCut() {
        ClKernel free = cl.programs.kernel("copy.cl", "-DVEC=16", "copy_words"); // no compiled-in size
        assertEquals(0, free.limits().compileWorkGroupSize());
        assertEquals(64, Launch.fitLocal(free, 128, 64, 64));
        assertEquals(32, Launch.fitLocal(free, 128, 64, 48));
        assertEquals(5, Launch.fitLocal(free, 30, 15, 7));
        assertEquals(1, Launch.fitLocal(free, 14, 7, 6));
        Plan regs = Planner.configure(Variant.REGISTERS, 4, 1000, T, cl.device, 0, Tunables.DEFAULTS);
        ClKernel fixed = cl.programs.kernel(Variant.REGISTERS.file(), regs.buildOptions(),
                Variant.REGISTERS.kernels().get(0));
        assertEquals(regs.wg(), fixed.limits().compileWorkGroupSize());
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> Launch.fitLocal(fixed, 4L * regs.wg(), regs.wg(), regs.wg() / 2));
        assertTrue(e.getMessage().contains("compiled for work-groups of " + regs.wg()), e.getMessage());
    }

    private interface One {
        void enqueue(ClBuffer x, ClBuffer y);
    }

    private interface Two {
        void enqueue(ClBuffer y, ClBuffer dy, ClBuffer dx);
    }

    private double[] run(double[] x, One call) {
        try (ClBuffer xb = upload(x); ClBuffer yb = upload(new double[x.length])) {
            call.enqueue(xb, yb);
            return download(yb, x.length);
        }
    }

    private double[] run2(double[] y, double[] dy, Two call) {
        try (ClBuffer yb = upload(y); ClBuffer db = upload(dy); ClBuffer xb = upload(new double[y.length])) {
            call.enqueue(yb, db, xb);
            return download(xb, y.length);
        }
    }

    private ClBuffer upload(double[] x) {
        ByteBuffer b = ByteBuffer.allocateDirect(x.length * 4).order(ByteOrder.nativeOrder());
        for (double v : x) {
            b.putFloat((float) v);
        }
        ClBuffer buf = ClBuffer.allocate(cl.context, CL.CL_MEM_READ_WRITE, b.capacity());
        buf.write(cl.queue, 0, b.capacity(), Pointer.to(b.flip()));
        return buf;
    }

    private double[] download(ClBuffer b, int n) {
        ByteBuffer out = ByteBuffer.allocateDirect(n * 4).order(ByteOrder.nativeOrder());
        b.read(cl.queue, 0, n * 4L, Pointer.to(out));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = out.getFloat(i * 4);
        }
        return d;
    }
}
