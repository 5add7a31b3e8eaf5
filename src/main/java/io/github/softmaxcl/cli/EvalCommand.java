/*
 * `softmax eval 13 31 5`: softmax of numbers typed on the command line, computed on the device and
 * printed the way the article prints NumPy arrays, e.g. [1.52299795e-08, 9.99999985e-01, 5.10908895e-12].
 * Accepts inf, -inf and nan. `--log` gives log-softmax, which the engine has no kernel for yet, so it
 * is computed by the CPU reference and a note on stderr says so.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** Softmax of command-line numbers. */
@Command(name = "eval", description = "Softmax of the numbers given (float64 unless --float32).")
final class EvalCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "X", description = "The logits: decimal numbers, inf, -inf or nan.")
    List<String> values;

    @Option(names = "--float32", description = "Compute in single precision.")
    boolean float32;

    @Option(names = "--log", description = "Log-softmax instead (computed by the CPU reference; no device kernel yet).")
    boolean log;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC", description = "Device: gpu, cpu, accelerator, P:D or part of a name.")
    String device;

    @Override
    public Integer call() {
        double[] x = new double[values.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = parse(values.get(i));
        }
        double[] y = new double[x.length];
        if (log) {
            spec.commandLine().getErr().println("note: log-softmax is computed by the CPU reference"
                    + " (the engine has no log-softmax kernel yet)");
            spec.commandLine().getErr().flush();
            double[] in = x.clone();
            if (float32) {
                for (int i = 0; i < in.length; i++) {
                    in[i] = (float) in[i];
                }
            }
            ReferenceSoftmax.logRow(in, in.length, y, 0);
            if (float32) {
                for (int i = 0; i < y.length; i++) {
                    y[i] = (float) y[i];
                }
            }
        } else {
            try (SoftmaxEngine engine = SoftmaxEngine.create(device)) {
                if (float32) {
                    float[] f = new float[x.length];
                    for (int i = 0; i < f.length; i++) {
                        f[i] = (float) x[i];
                    }
                    float[] r = engine.softmax(f, 1, f.length);
                    for (int i = 0; i < r.length; i++) {
                        y[i] = r[i];
                    }
                } else {
                    if (!engine.device().fp64()) {
                        throw new CommandFailedException("device " + engine.device().name()
                                + " has no float64 support (cl_khr_fp64); use --float32");
                    }
                    y = engine.softmax(x, 1, x.length);
                }
            }
        }
        spec.commandLine().getOut().println(format(y));
        spec.commandLine().getOut().flush();
        return 0;
    }

    private double parse(String s) {
        String t = s.trim().toLowerCase(Locale.ROOT);
        switch (t) {
            case "inf", "+inf", "infinity", "+infinity":
                return Double.POSITIVE_INFINITY;
            case "-inf", "-infinity":
                return Double.NEGATIVE_INFINITY;
            case "nan", "+nan", "-nan":
                return Double.NaN;
            default:
                // Only plain decimal syntax: Double.parseDouble would also take "1f", "0x1p3" and "NaN".
                if (!t.matches("[+-]?(\\d+\\.?\\d*|\\.\\d+)(e[+-]?\\d+)?")) {
                    throw new ParameterException(spec.commandLine(), "not a number: '" + s + "'");
                }
                return Double.parseDouble(t);
        }
    }

    /**
     * @param y values
     * @return them as NumPy prints a float array in scientific notation: {@code [1.00000000e+00, nan]}
     */
    static String format(double[] y) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < y.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            double v = y[i];
            sb.append(Double.isNaN(v) ? "nan" : Double.isInfinite(v) ? (v > 0 ? "inf" : "-inf")
                    : String.format(Locale.ROOT, "%.8e", v));
        }
        return sb.append(']').toString();
    }
}
