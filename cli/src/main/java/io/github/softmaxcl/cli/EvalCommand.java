/*
 * `softmax eval 13 31 5`: softmax of numbers typed on the command line, computed on the device and
 * printed the way the article prints NumPy arrays, e.g. [1.52299795e-08, 9.99999985e-01, 5.10908895e-12].
 * Accepts inf, -inf and nan. `--log` gives log-softmax and `--temperature T` softmax(x / T), both
 * computed on the device like everything else.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxOp;
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

    @Option(names = "--log", description = "Log-softmax instead: x - max - log(sum exp(x - max)).")
    boolean log;

    @Option(names = {"-t", "--temperature"}, paramLabel = "T", description = "softmax(x / T); T finite and > 0 (default 1).")
    double temperature = 1.0;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC", description = "Device: gpu, cpu, accelerator, P:D or part of a name.")
    String device;

    @Override
    public Integer call() {
        double[] x = new double[values.size()];
        for (int i = 0; i < x.length; i++) {
            x[i] = parse(values.get(i));
        }
        SoftmaxOp op = (log ? SoftmaxOp.logSoftmax() : SoftmaxOp.softmax()).withTemperature(temperature);
        double[] y = new double[x.length];
        long[] shape = {1, x.length};
        try (SoftmaxEngine engine = SoftmaxEngine.create(device)) {
            if (float32) {
                float[] f = new float[x.length];
                for (int i = 0; i < f.length; i++) {
                    f[i] = (float) x[i];
                }
                float[] r = new float[f.length];
                engine.forward(HostTensor.of(f, shape), HostTensor.of(r, shape), op);
                for (int i = 0; i < r.length; i++) {
                    y[i] = r[i];
                }
            } else {
                if (!engine.device().fp64()) {
                    throw new CommandFailedException("device " + engine.device().name()
                            + " has no float64 support (cl_khr_fp64); use --float32");
                }
                engine.forward(HostTensor.of(x, shape), HostTensor.of(y, shape), op);
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
