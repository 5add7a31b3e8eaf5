/*
 * Runs the plans a GPU profile gets on whatever device a context was opened on (PoCL in the suite,
 * the Oclgrind simulator in the simulator checks): a launcher that plans for the profile's limits
 * but enqueues on the real device. Every launch is checked against the profile as it is enqueued
 * (local size within the profile's work-group limit and the kernel's own, local memory and private
 * arrays within the profile's budget), and every result against the reference. Shapes sit at the
 * planner's own thresholds for the profile (found by asking it, so new variants and thresholds are
 * covered), at the work-group size +-1 and where rows span several work-groups.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.MaskedRows;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.GpuProfiles.Profile;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.reference.Float16;
import io.github.softmaxcl.reference.Inputs;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeSet;
import org.jocl.CL;
import org.jocl.Pointer;

final class ProfileRun {
    /** The three option sets: plain; log with temperature, full mask and zero rows; softmax with a row mask. */
    static final SoftmaxOp PLAIN = SoftmaxOp.softmax();
    static final SoftmaxOp LOG_ALL = SoftmaxOp.logSoftmax().withTemperature(0.7).withMaskedRows(MaskedRows.ZERO);
    static final SoftmaxOp SCALED = SoftmaxOp.softmax().withTemperature(1.3);

    /** Longest row run on a device: the simulator takes about 10 microseconds per element and pass. */
    static final long MAX_COLS = 20_000;

    /**
     * One call.
     *
     * @param kind "rows" (last axis), "axis" (middle axis) or "grad" (gradient)
     * @param type storage format
     * @param op the options
     * @param mask null, "full" or "row"
     * @param shape rows x cols, or outer x K x inner
     */
    record Case(String kind, ElementType type, SoftmaxOp op, String mask, long[] shape) {
        @Override
        public String toString() {
            return kind + " " + type + " " + op + (mask == null ? "" : " mask=" + mask) + " "
                    + java.util.Arrays.toString(shape);
        }
    }

    private ProfileRun() {}

    /**
     * @param d a profile's device
     * @param type a storage format
     * @return row lengths at every change of the planner's choice up to {@link #MAX_COLS} (both sides),
     *     and around the default work-group size
     */
    static TreeSet<Long> thresholds(DeviceInfo d, ElementType type) {
        TreeSet<Long> cols = new TreeSet<>(List.of(1L, 7L, 32L, 33L));
        int wg = Planner.defaultWorkGroup(d);
        cols.addAll(List.of((long) wg - 1, (long) wg, (long) wg + 1));
        String last = null;
        for (long c = 1; c <= MAX_COLS; c++) {
            String now = Planner.plan(1, c, type, d, null, 0, Tuning.NONE).toString();
            if (last != null && !now.equals(last)) {
                cols.add(c - 1); // a new variant, or a new configuration of one (work-group, items, split)
                cols.add(c);
            }
            last = now;
        }
        return cols;
    }

    /**
     * The calls to run for a profile. Every configuration the planner gives it up to
     * {@link #MAX_COLS} (variant, work-group, values per work-item, parts per row: its first and last
     * length) in float32 with every option; the first length of each variant, and the work-group size
     * +-1, also in float64, float16 and bfloat16; any axis and gradients. On the simulator, which
     * takes about 10 microseconds per element and pass and more at wide work-groups, float32 and
     * float64 only, and of the lengths past 4096 only where the work-group size changes (the storage
     * formats and the other kernels are SimulatorChecks' sweep's).
     *
     * @param p the profile
     * @param simulator whether the calls are for the simulator
     * @return the calls
     */
    static List<Case> cases(Profile p, boolean simulator) {
        DeviceInfo d = p.device();
        List<Case> out = new ArrayList<>();
        int wg = Planner.defaultWorkGroup(d);
        for (ElementType t : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT64}) {
            if (t == ElementType.FLOAT64 && !d.fp64()) {
                continue;
            }
            Variant shortRows = Planner.plan(1, 1, t, d, null, 0, Tuning.NONE).variant();
            Plan last = null;
            long previous = 0;
            for (long cols : thresholds(d, t)) {
                Plan plan = Planner.plan(1, cols, t, d, null, 0, Tuning.NONE);
                Variant v = plan.variant();
                boolean edge = last == null || v != last.variant() || Math.abs(cols - wg) <= 1;
                boolean newGroup = last == null || plan.wg() != last.wg();
                last = plan;
                if (simulator && cols > 4096 && !newGroup) {
                    previous = cols;
                    continue;
                }
                if (edge || t == ElementType.FLOAT32) { // float64 at the edges only
                    out.add(new Case("rows", t, LOG_ALL, "full", shape(cols, v, shortRows)));
                }
                if (edge && t == ElementType.FLOAT32 && !simulator) {
                    out.add(new Case("rows", t, SCALED, "row", shape(cols, v, shortRows)));
                    out.add(new Case("rows", ElementType.FLOAT16, SCALED, "full", shape(cols, v, shortRows)));
                    out.add(new Case("rows", ElementType.BFLOAT16, PLAIN, null, shape(cols, v, shortRows)));
                    if (previous > 0) { // the last length of the kind before
                        Variant before = Planner.plan(1, previous, t, d, null, 0, Tuning.NONE).variant();
                        out.add(new Case("rows", t, PLAIN, null, shape(previous, before, shortRows)));
                    }
                }
                previous = cols;
            }
        }
        out.add(new Case("axis", ElementType.FLOAT32, LOG_ALL, "full", new long[] {3, 40, 37}));
        out.add(new Case("axis", ElementType.FLOAT32, SCALED, null, new long[] {2, 300, 5}));
        out.add(new Case("grad", ElementType.FLOAT32, LOG_ALL, null, new long[] {3, 40, 37}));
        out.add(new Case("grad", ElementType.FLOAT32, SCALED, null, new long[] {3, wg + 1L}));
        if (!simulator) {
            out.add(new Case("axis", ElementType.FLOAT16, PLAIN, null, new long[] {1, 17, 1025}));
            out.add(new Case("grad", ElementType.BFLOAT16, SCALED, null, new long[] {2, 300, 5}));
            out.add(new Case("grad", ElementType.FLOAT16, LOG_ALL, null, new long[] {130, 7}));
        }
        if (d.fp64()) {
            out.add(new Case("axis", ElementType.FLOAT64, PLAIN, null, new long[] {3, 40, 37}));
            out.add(new Case("grad", ElementType.FLOAT64, LOG_ALL, null, new long[] {3, 40, 37}));
        }
        return out;
    }

    /**
     * Many rows where the variant for short rows shares work-groups among them (rows spanning several
     * groups); otherwise two rows, or one long one: a simulator runs every work-item of a group through
     * every barrier, so a work-group per row is what costs.
     */
    private static long[] shape(long cols, Variant v, Variant shortRows) {
        return new long[] {v == shortRows ? 130 : cols <= 1100 ? 2 : 1, cols};
    }

    /**
     * @param p a profile
     * @param c a case
     * @return what decides the case's kernels and launches: profiles that agree on it run the same code
     */
    static String key(Profile p, Case c) {
        DeviceInfo d = p.device();
        String plan = c.kind().equals("rows") ? Planner.plan(c.shape()[0], c.shape()[1], c.type(), d, null, 0,
                Tuning.NONE).toString() : "wg " + Planner.defaultWorkGroup(d) + " max " + d.maxWorkGroupSize();
        return plan + " " + c;
    }

    /**
     * Runs one case for a profile on the context's device.
     *
     * @return null if it passed, else what failed
     */
    static String run(Profile p, Case c, ClContext ctx, ClQueue q, ProgramCache programs) {
        DeviceInfo d = p.device();
        List<String> problems = new ArrayList<>();
        try (SoftmaxLauncher l = new SoftmaxLauncher(ctx, q, programs, d)) {
            l.observe((file, options, kernel, global, local) -> {
                if (local > d.maxWorkGroupSize() || global % local != 0) {
                    problems.add(kernel.name() + " launched with local " + local + ", global " + global);
                }
                if (kernel.limits().localMemBytes() > d.localMemBytes()) {
                    problems.add(kernel.name() + " [" + options + "] uses " + kernel.limits().localMemBytes()
                            + " B of local memory");
                }
                long priv = PrivateArrays.bytes(file, options, kernel.name());
                if (priv > p.privateBudgetBytes()) {
                    problems.add(kernel.name() + " [" + options + "] holds " + priv + " B of private arrays");
                }
            });
            long[] s = c.shape();
            int n = (int) java.util.Arrays.stream(s).reduce(1, (a, b) -> a * b);
            int cols = (int) s[s.length - 1];
            double[] x = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.ADVERSARIAL, n / cols, cols, n), c.type());
            Features f = new Features(c.op().isLog(), 1.0 / c.op().temperature(), c.mask() != null,
                    c.op().maskedRows() == MaskedRows.ZERO);
            Comparison cmp;
            if (c.kind().equals("grad")) {
                double[] y = FamilyCheck.rounded(softmaxLike(n, c.op().isLog(), s[s.length - 1]), c.type());
                double[] dy = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.RANDOM, 1, n, 7), c.type());
                long inner = s.length == 3 ? s[2] : 1;
                double[] dx;
                try (ClBuffer yb = upload(ctx, q, y, c.type()); ClBuffer db = upload(ctx, q, dy, c.type());
                        ClBuffer xb = upload(ctx, q, new double[n], c.type())) {
                    l.enqueueBackward(c.type(), f, yb, db, xb, s[0], s[1], inner, false);
                    dx = download(q, xb, n, c.type());
                }
                cmp = FamilyCheck.compareBackward(y, dy, dx, s, s.length == 3 ? 1 : -1, c.type(), c.op());
            } else {
                byte[] mask = c.mask() == null ? null : mask(c.mask().equals("row") ? s[s.length - 1] : n, n);
                double[] y;
                try (ClBuffer xb = upload(ctx, q, x, c.type()); ClBuffer yb = upload(ctx, q, nan(n), c.type());
                        ClBuffer mb = mask == null ? null : bytes(ctx, q, mask)) {
                    if (c.kind().equals("axis")) {
                        l.enqueueAxis(false, c.type(), f, xb, yb, s[0], s[1], s[2], mb, false);
                    } else {
                        Plan plan = Planner.plan(s[0], s[1], c.type(), d, null, 0, Tuning.NONE);
                        l.enqueue(plan, f, xb, yb, s[0], s[1], mb, c.mask() != null && c.mask().equals("full") ? s[1]
                                : 0, false);
                    }
                    y = download(q, yb, n, c.type());
                }
                cmp = FamilyCheck.compareForward(x, y, s, s.length == 3 ? 1 : -1, c.type(), c.op(), mask);
            }
            if (!cmp.passed()) {
                problems.add(cmp.toString());
            }
        }
        return problems.isEmpty() ? null : p.name() + ", " + c + ": " + String.join("; ", problems);
    }

    /** Rows that sum to 1 (or their logs), as a forward pass gives them. */
    private static double[] softmaxLike(int n, boolean log, long cols) {
        double[] y = new double[n];
        Random r = new Random(n);
        for (int i = 0; i < n; i += (int) cols) {
            double sum = 0;
            for (int j = i; j < i + cols && j < n; j++) {
                y[j] = r.nextDouble() + 1e-3;
                sum += y[j];
            }
            for (int j = i; j < i + cols && j < n; j++) {
                y[j] = log ? Math.log(y[j] / sum) : y[j] / sum;
            }
        }
        return y;
    }

    private static byte[] mask(long length, long seed) {
        Random r = new Random(seed);
        byte[] m = new byte[(int) length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (r.nextInt(4) == 0 ? 0 : 1);
        }
        return m;
    }

    private static double[] nan(int n) {
        double[] d = new double[n];
        java.util.Arrays.fill(d, Double.NaN);
        return d;
    }

    private static ClBuffer bytes(ClContext ctx, ClQueue q, byte[] b) {
        ClBuffer buf = ClBuffer.allocate(ctx, CL.CL_MEM_READ_ONLY, b.length);
        buf.write(q, 0, b.length, Pointer.to(b));
        return buf;
    }

    private static ClBuffer upload(ClContext ctx, ClQueue q, double[] x, ElementType t) {
        ByteBuffer b = ByteBuffer.allocateDirect(Math.max(1, x.length * t.bytes())).order(ByteOrder.nativeOrder());
        for (double v : x) {
            switch (t) {
                case FLOAT64 -> b.putDouble(v);
                case FLOAT32 -> b.putFloat((float) v);
                case FLOAT16 -> b.putShort(Float16.fromFloat((float) v));
                case BFLOAT16 -> b.putShort((short) (Float.floatToRawIntBits((float) v) >>> 16));
            }
        }
        ClBuffer buf = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, b.capacity());
        buf.write(q, 0, b.capacity(), Pointer.to(b.rewind()));
        return buf;
    }

    private static double[] download(ClQueue q, ClBuffer b, int n, ElementType t) {
        ByteBuffer out = ByteBuffer.allocateDirect(n * t.bytes()).order(ByteOrder.nativeOrder());
        b.read(q, 0, (long) n * t.bytes(), Pointer.to(out));
        double[] d = new double[n];
        for (int i = 0; i < n; i++) {
            d[i] = switch (t) {
                case FLOAT64 -> out.getDouble(i * 8);
                case FLOAT32 -> out.getFloat(i * 4);
                case FLOAT16 -> Float16.toFloat(out.getShort(i * 2));
                case BFLOAT16 -> Float.intBitsToFloat((out.getShort(i * 2) & 0xFFFF) << 16);
            };
        }
        return d;
    }
}
