/*
 * `softmax demo`: the project's main job in one command. Lists the devices, reproduces the article's
 * two float64 examples, then runs two large float32 batches (1,000,000 x 10 and 4096 x 4096) on the
 * default device, verifies each against the CPU reference and prints device and reference times.
 * Exits 1 if any result is out of tolerance.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** The end-to-end demonstration. */
@Command(name = "demo", description = {"List devices, reproduce the article's examples, run and verify big batches.",
    "The batches are 1,000,000 x 10 and 4096 x 4096 float32 on the default device, with device and",
    "reference times; exit 1 if a result is out of tolerance."})
final class DemoCommand implements Callable<Integer> {
    private static final double[][] ARTICLE = {{13, 31, 5}, {0, 100, 0}};

    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC", description = "Device: gpu, cpu, accelerator, P:D or part of a name.")
    String device;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        List<DeviceInfo> all = Devices.discover();
        out.println("OpenCL devices:");
        DevicesCommand.printTable(out, all, DevicesCommand.defaultDevice(all, spec.commandLine().getErr()));
        boolean ok = true;
        try (SoftmaxEngine engine = SoftmaxEngine.create(device)) {
            io.github.softmaxcl.DeviceDescription d = engine.device();
            out.printf("%nusing %s %s%n%nThe article's examples (float64):%n", d.id(), d.name());
            for (double[] x : ARTICLE) {
                ok &= example(out, engine, x);
            }
            out.printf("%nLarge batches (float32, random logits, verified against the CPU reference):%n");
            ok &= batch(out, engine, 1_000_000, 10);
            ok &= batch(out, engine, 4096, 4096);
        }
        out.println(ok ? "demo passed" : "demo FAILED: results out of tolerance");
        out.flush();
        return ok ? 0 : Main.FAILURE;
    }

    private static boolean example(PrintWriter out, SoftmaxEngine engine, double[] x) {
        double[] ref = ReferenceSoftmax.softmax(x, 1, x.length);
        String args = String.join(", ", java.util.Arrays.stream(x).mapToObj(v -> Long.toString((long) v)).toList());
        Comparison c;
        String shown;
        if (engine.device().fp64()) {
            double[] y = engine.softmax(x, 1, x.length);
            shown = EvalCommand.format(y);
            c = Comparison.of(i -> x[(int) i], i -> y[(int) i], i -> ref[(int) i], 1, x.length, ElementType.FLOAT64);
        } else {
            float[] xf = {(float) x[0], (float) x[1], (float) x[2]};
            float[] y = engine.softmax(xf, 1, xf.length);
            double[] yd = {y[0], y[1], y[2]};
            shown = EvalCommand.format(yd) + " (float32: device has no fp64)";
            c = Comparison.of(i -> x[(int) i], i -> yd[(int) i], i -> ref[(int) i], 1, x.length, ElementType.FLOAT32);
        }
        out.printf("  softmax([%s]) = %s  %s%n", args, shown, c.passed() ? "PASS" : "FAIL " + c);
        return c.passed();
    }

    private static boolean batch(PrintWriter out, SoftmaxEngine engine, int rows, int cols) {
        float[] x = Inputs.floats(Inputs.Pattern.RANDOM, rows, cols, 42);
        float[] y = new float[x.length];
        long t0 = System.nanoTime();
        engine.softmax(x, y, rows, cols);
        double first = ms(t0);
        t0 = System.nanoTime();
        engine.softmax(x, y, rows, cols);
        double device = ms(t0);
        t0 = System.nanoTime();
        double[] ref = ReferenceSoftmax.softmax(x, rows, cols);
        double reference = ms(t0);
        Comparison c = Comparison.of(i -> x[(int) i], i -> y[(int) i], i -> ref[(int) i], rows, cols,
                ElementType.FLOAT32);
        out.printf(Locale.ROOT, "  %,d x %,d: device %.1f ms (first call %.1f ms, incl. kernel build), reference"
                        + " %.1f ms, %.1fx; max abs %.2e, max |sum-1| %.2e  %s%n", rows, cols, device, first, reference,
                reference / device, c.maxAbs(), c.maxRowSumDeviation(), c.passed() ? "PASS" : "FAIL " + c);
        return c.passed();
    }

    private static double ms(long t0) {
        return (System.nanoTime() - t0) / 1e6;
    }
}
