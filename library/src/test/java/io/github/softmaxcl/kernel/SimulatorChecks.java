/*
 * The simulator checks' child program, run by OclgrindTest in a JVM that sees only Oclgrind (see
 * Oclgrind). It moves System.err to stdout first, so that what the simulator writes is all that
 * reaches stderr. Checks, named by the first argument:
 *
 *   sweep      every kernel variant forced (iterating Variant, so new ones are covered), SPLIT with
 *              three work-groups per row, both any-axis kernels and the gradients, through engines
 *              that poison outputs, in every storage format and option set, at short rows in several
 *              work-groups and lengths around the work-group size; every result against the reference
 *   profiles   the plans each GPU profile gets (ProfileRun), launched here
 *   artefacts  minimal reproductions of the simulator's own faults (see artefacts()), each in a
 *              context of its own with the simulator's log going to OCLGRIND_LOG, read back per case
 *
 * Further arguments name the variants (and "other") to run, for looking into one; none runs all.
 * Prints one line per failure and a last line "checked N calls, F failures, ran [...]"; exits 1 on
 * any failure.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.cl.ClBuffer;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClProgram;
import io.github.softmaxcl.cl.ClQueue;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.device.GpuProfiles;
import io.github.softmaxcl.device.GpuProfiles.Profile;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.reference.Inputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.jocl.CL;
import org.jocl.Pointer;

public final class SimulatorChecks {
    private final DeviceInfo device = Devices.select("oclgrind");
    private final List<String> failures = new ArrayList<>();
    private final Set<String> ran = new TreeSet<>();
    private int calls;
    /** Variants (and "other": SPLIT/3, any axis, gradients) to run; empty for all. */
    private final Set<String> only;

    private SimulatorChecks(Set<String> only) {
        this.only = only;
    }

    /** @param args the check: sweep, profiles or artefacts */
    public static void main(String[] args) throws Exception {
        System.setErr(System.out);
        SimulatorChecks c = new SimulatorChecks(Set.copyOf(java.util.Arrays.asList(args).subList(1, args.length)));
        switch (args[0]) {
            case "sweep" -> c.sweep();
            case "profiles" -> c.profiles();
            case "artefacts" -> c.artefacts();
            default -> throw new IllegalArgumentException("unknown check " + args[0]);
        }
        System.out.println("checked " + c.calls + " calls, " + c.failures.size() + " failures, ran " + c.ran);
        System.out.flush();
        System.exit(c.failures.isEmpty() ? 0 : 1);
    }

    private static SoftmaxEngine engine(EngineConfig c) {
        return Internals.open(c.withSpec("oclgrind").withTuning(false).withPoison(true));
    }

    private void sweep() {
        int wg = Planner.defaultWorkGroup(device);
        for (Variant v : Variant.values()) {
            // Many short rows only where they share work-groups (the variant the planner picks for them):
            // the simulator runs every work-item of a group through every barrier, a group per row costs.
            boolean shortRows = Planner.plan(1, 7, ElementType.FLOAT32, device, null, 0, Tuning.NONE).variant() == v;
            long[][] gpuShapes = {{shortRows ? 130 : 2, 7}, {2, 33}, {2, wg - 1}, {2, wg + 1}, {1, 2L * wg + 1}};
            if (!only.isEmpty() && !only.contains(v.name())) {
                continue;
            }
            try (SoftmaxEngine e = engine(EngineConfig.DEFAULT.withVariant(v))) {
                if (v.isVector()) { // CPU variants: one shape each, what verify --device oclgrind also runs
                    forward(v.name(), e, ElementType.FLOAT32, ProfileRun.LOG_ALL, "full", new long[] {5, 37});
                    forward(v.name(), e, ElementType.FLOAT64, ProfileRun.PLAIN, null, new long[] {5, 37});
                    forward(v.name(), e, ElementType.FLOAT16, ProfileRun.SCALED, "row", new long[] {130, 7});
                    continue;
                }
                for (long[] s : gpuShapes) {
                    forward(v.name(), e, ElementType.FLOAT32, ProfileRun.LOG_ALL, "full", s);
                }
                forward(v.name(), e, ElementType.FLOAT32, ProfileRun.PLAIN, null, gpuShapes[0]);
                forward(v.name(), e, ElementType.FLOAT32, ProfileRun.PLAIN, null, gpuShapes[3]);
                forward(v.name(), e, ElementType.FLOAT32, ProfileRun.SCALED, "row", gpuShapes[1]);
                forward(v.name(), e, ElementType.FLOAT64, ProfileRun.LOG_ALL, "full", gpuShapes[1]);
                forward(v.name(), e, ElementType.FLOAT64, ProfileRun.LOG_ALL, "full", gpuShapes[3]);
                forward(v.name(), e, ElementType.FLOAT16, ProfileRun.SCALED, "full", gpuShapes[3]);
                forward(v.name(), e, ElementType.FLOAT16, ProfileRun.LOG_ALL, "row", gpuShapes[0]);
                forward(v.name(), e, ElementType.BFLOAT16, ProfileRun.LOG_ALL, "row", gpuShapes[2]);
            }
        }
        if (!only.isEmpty() && !only.contains("other")) {
            return;
        }
        try (SoftmaxEngine e = engine(EngineConfig.DEFAULT.withVariant(Variant.SPLIT).withSplit(3))) {
            forward("SPLIT/3", e, ElementType.FLOAT32, ProfileRun.LOG_ALL, "full", new long[] {3, 3L * wg + 1});
            forward("SPLIT/3", e, ElementType.FLOAT64, ProfileRun.PLAIN, null, new long[] {2, 3L * wg + 1});
        }
        for (boolean rowSweep : new boolean[] {false, true}) {
            String name = rowSweep ? "sweep" : "strided";
            try (SoftmaxEngine e = engine(EngineConfig.DEFAULT.withSweepAxis(rowSweep))) {
                for (long[] s : new long[][] {{3, 40, 37}, {2, 300, 5}}) {
                    forward(name, e, ElementType.FLOAT32, ProfileRun.LOG_ALL, "full", s);
                    forward(name, e, ElementType.FLOAT64, ProfileRun.PLAIN, null, s);
                }
                forward(name, e, ElementType.FLOAT16, ProfileRun.SCALED, null, new long[] {3, 40, 37});
                forward(name, e, ElementType.BFLOAT16, ProfileRun.PLAIN, "full", new long[] {2, 300, 5});
            }
        }
        try (SoftmaxEngine e = engine(EngineConfig.DEFAULT)) {
            for (long[] s : new long[][] {{3, wg + 1}, {130, 7}, {3, 40, 37}}) {
                backward(e, ElementType.FLOAT32, ProfileRun.LOG_ALL, s);
                backward(e, ElementType.FLOAT32, ProfileRun.SCALED, s);
                backward(e, ElementType.FLOAT16, ProfileRun.PLAIN, s);
            }
            backward(e, ElementType.FLOAT64, ProfileRun.LOG_ALL, new long[] {3, 40, 37});
            backward(e, ElementType.BFLOAT16, ProfileRun.SCALED, new long[] {3, wg + 1});
        }
    }

    private void forward(String what, SoftmaxEngine e, ElementType t, SoftmaxOp op, String mask, long[] shape) {
        int n = (int) (shape[0] * shape[1] * (shape.length == 3 ? shape[2] : 1));
        int cols = (int) shape[shape.length - 1];
        int axis = shape.length == 3 ? 1 : -1;
        double[] x = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.ADVERSARIAL, n / cols, cols, n), t);
        byte[] m = mask == null ? null : mask(mask.equals("row") ? (int) shape[shape.length - 1] : n, n);
        String at = what + " " + t + " " + op + (mask == null ? "" : " mask=" + mask) + " " + java.util.Arrays.toString(
                shape);
        try {
            long t0 = System.nanoTime();
            double[] y = FamilyCheck.forward(e, x, shape, axis, t, op, m);
            System.out.printf("%.1f s: %s%n", (System.nanoTime() - t0) / 1e9, at);
            check(at, FamilyCheck.compareForward(x, y, shape, axis, t, op, m));
            ran.add(what);
        } catch (IllegalArgumentException notTaken) {
            // the forced variant does not take rows of this length; the message says so
        }
    }

    private void backward(SoftmaxEngine e, ElementType t, SoftmaxOp op, long[] shape) {
        int n = (int) (shape[0] * shape[1] * (shape.length == 3 ? shape[2] : 1));
        int axis = shape.length == 3 ? 1 : -1;
        double[] x = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.OUTLIERS, 1, n, 3), t);
        double[] y = FamilyCheck.rounded(FamilyCheck.forward(e, x, shape, axis, t, op, null), t);
        double[] dy = FamilyCheck.rounded(Inputs.doubles(Inputs.Pattern.RANDOM, 1, n, 4), t);
        long t0 = System.nanoTime();
        double[] dx = FamilyCheck.backward(e, y, dy, shape, axis, t, op);
        System.out.printf("%.1f s: gradient %s %s %s%n", (System.nanoTime() - t0) / 1e9, t, op,
                java.util.Arrays.toString(shape));
        check("gradient " + t + " " + op + " " + java.util.Arrays.toString(shape),
                FamilyCheck.compareBackward(y, dy, dx, shape, axis, t, op));
        ran.add(shape.length == 3 ? "gradient (axis)" : "gradient (rows)");
    }

    private void check(String at, Comparison c) {
        calls++;
        if (!c.passed()) {
            failures.add(at);
            System.out.println("FAIL " + at + ": " + c);
        }
    }

    private static byte[] mask(int length, long seed) {
        Random r = new Random(seed);
        byte[] m = new byte[length];
        for (int i = 0; i < m.length; i++) {
            m[i] = (byte) (r.nextInt(4) == 0 ? 0 : 1);
        }
        return m;
    }

    private void profiles() {
        Set<String> seen = new HashSet<>();
        try (ClContext ctx = new ClContext(device.platform(), device.device(), true); ClQueue q = new ClQueue(ctx);
                ProgramCache programs = new ProgramCache(ctx)) {
            for (Profile p : GpuProfiles.all()) {
                for (ProfileRun.Case c : ProfileRun.cases(p, true)) {
                    if (!seen.add(ProfileRun.key(p, c))) {
                        continue; // another profile already ran the same kernels and launches
                    }
                    calls++;
                    long t0 = System.nanoTime();
                    String failure = ProfileRun.run(p, c, ctx, q, programs);
                    System.out.printf("%.1f s: %s, %s%n", (System.nanoTime() - t0) / 1e9, p.name(), c);
                    if (failure != null) {
                        failures.add(failure);
                        System.out.println("FAIL " + failure);
                    }
                    ran.add(p.name());
                }
            }
        }
    }

    /**
     * Each section prints "section NAME: N reports" then the reports' first lines. What the parent
     * expects of each is in OclgrindTest.
     */
    private void artefacts() throws Exception {
        Path log = Path.of(System.getenv("OCLGRIND_LOG"));
        String twice = "__kernel void k(__global float *y, uint n) {\n"
                + "  for (uint i = 0; i < n; i++) y[i] = (float)i;\n"
                + "  for (uint i = 0; i < n; i++) y[i] *= 3.0f;\n}\n";
        section(log, "fill-then-kernel", twice, (ctx, q, k, y) -> {
            y.fill(q, 32, new byte[] {0, 0, (byte) 0xC0, 0x7F}, false);
            return 1;
        });
        section(log, "whole-write-then-kernel", twice, (ctx, q, k, y) -> {
            y.fill(q, 32, new byte[] {0, 0, (byte) 0xC0, 0x7F}, true);
            return 1;
        });
        section(log, "reused-buffer-then-kernel", twice, true, (ctx, q, k, y) -> 1);
        section(log, "lane-11-shuffle", "__kernel void k(__global float *y, uint n) {\n"
                + "  float16 v = vload16(0, y);\n  y[0] = fmax(v.sbb, v.sbb).s0;\n}\n",
                (ctx, q, k, y) -> {
                    y.fill(q, 64, new byte[] {0, 0, (byte) 0x80, 0x3F}, true);
                    return 1;
                });
        section(log, "freeze", "__kernel void k(__global float *y, uint n) {\n"
                + "  ulong g = get_global_id(0);\n  y[g] = (float)(g / n) + (float)(g % n);\n}\n",
                (ctx, q, k, y) -> {
                    y.fill(q, 64, new byte[] {0, 0, 0, 0}, true);
                    k.argInt(1, 3);
                    return 8;
                });
        section(log, "canary-race", "__kernel void k(__global float *y, uint n) {\n"
                + "  y[0] = (float)get_global_id(0);\n}\n", (ctx, q, k, y) -> 8);
        section(log, "canary-uninitialised", "__kernel void k(__global float *y, uint n) {\n"
                + "  y[get_global_id(0)] = y[get_global_id(0) + n] + 1.0f;\n}\n", (ctx, q, k, y) -> 8);
        section(log, "canary-out-of-bounds", "__kernel void k(__global float *y, uint n) {\n"
                + "  y[get_global_id(0) + 2 * n] = 1.0f;\n}\n", (ctx, q, k, y) -> 8);
        section(log, "canary-api", "__kernel void k(__global float *y, uint n) {\n  y[0] = 1.0f;\n}\n",
                (ctx, q, k, y) -> {
                    // An argument of the wrong size: the call fails, and the checker reports it (on stderr:
                    // API reports do not go to OCLGRIND_LOG).
                    int status = CL.clSetKernelArg(k.handle(), 1, 2, Pointer.to(new short[] {1}));
                    System.out.println("clSetKernelArg with 2 bytes for a uint: " + status);
                    return 1;
                });
        ran.add("artefacts");
    }

    /** Sets up a call: the kernel's arguments are (y, 8) unless it changes them; returns the global size. */
    private interface Setup {
        long before(ClContext ctx, ClQueue q, ClKernel k, ClBuffer y);
    }

    private void section(Path log, String name, String source, Setup setup) throws Exception {
        section(log, name, source, false, setup);
    }

    /**
     * Runs kernel k of {@code source} once, in a context of its own whose buffers are created plainly
     * (as on a real device), and prints what the simulator logged. With {@code reuse}, a 16-byte buffer
     * is first written by the kernel and released, so that the 64-byte one takes its place.
     */
    private void section(Path log, String name, String source, boolean reuse, Setup setup) throws Exception {
        try (ClContext ctx = new ClContext(device.platform(), device.device(), false); ClQueue q = new ClQueue(ctx);
                ClProgram p = ClProgram.build(ctx, name, source, ""); ClKernel k = new ClKernel(p, "k")) {
            if (reuse) {
                try (ClBuffer small = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 16)) {
                    k.arg(0, small).argInt(1, 4).enqueue(q, 1, 1, false);
                    q.finish();
                }
            }
            try (ClBuffer y = ClBuffer.allocate(ctx, CL.CL_MEM_READ_WRITE, 64)) {
                run(q, k, y, setup, ctx);
            }
        }
        List<String> reports = new ArrayList<>();
        for (String line : Files.readString(log).split("\n")) {
            if (!line.isBlank() && !line.startsWith("\t")) {
                reports.add(line.trim());
            }
        }
        System.out.println("section " + name + ": " + reports.size() + " reports");
        reports.forEach(r -> System.out.println("  " + r));
        calls++;
    }

    private static void run(ClQueue q, ClKernel k, ClBuffer y, Setup setup, ClContext ctx) {
        {
            k.arg(0, y).argInt(1, 8);
            long global = setup.before(ctx, q, k, y);
            k.enqueue(q, global, Math.min(global, 8), false);
            float[] out = new float[2];
            y.read(q, 0, 8, Pointer.to(out));
            System.out.println("y[0..1] = " + out[0] + ", " + out[1]);
        }
    }
}
