/*
 * `softmax bench`: the user-facing benchmark. For each shape: kernel-only softmax and a plain copy
 * kernel on the same device buffers (median of alternating runs, event timing after warm-up), their
 * ratio (the figure that travels between machines), end-to-end times from Java arrays and from
 * direct buffers, and the CPU reference. Every device result is checked against the reference
 * before its time is reported. `--json` saves the records, `--compare` prints the change against a
 * saved run.
 */
package io.github.softmaxcl.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.bench.BenchResult;
import io.github.softmaxcl.bench.Benchmark;
import io.github.softmaxcl.bench.Shape;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.verify.JsonFiles;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Benchmarks softmax against a copy kernel, end to end, and against the CPU reference. */
@Command(name = "bench", description = {
    "Benchmark softmax on a device: kernel-only and copy-kernel GB/s on the same buffers, their ratio,",
    "end-to-end time from Java arrays and from direct buffers, and the CPU reference's time.",
    "GB/s counts one read and one write of the matrix: 2 x rows x cols x bytes / time."})
final class BenchCommand implements Callable<Integer> {
    /** The default shapes: short rows, medium, square, long rows, one huge row. */
    static final List<String> DEFAULT_SHAPES = List.of("1000000x10", "100000x1000", "4096x4096", "64x262144",
            "1x16777216");

    static final ObjectMapper SNAKE = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT)
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE);

    @Spec
    CommandSpec spec;

    @Option(names = "--shape", paramLabel = "ROWSxCOLS",
            description = "Shape to measure; repeatable. Default: ${DEFAULT-VALUE}.", split = ",")
    List<String> shapes = new ArrayList<>(DEFAULT_SHAPES);

    @Option(names = "--dtype", description = "float32 or float64 (default: ${DEFAULT-VALUE}).")
    String dtype = "float32";

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC|LIST",
            description = {"Device: gpu, cpu, accelerator, P:D or part of a name; or 'all' or a list (0:0,0:1)",
                "to measure a device group (calibrated afresh) against each of its devices alone."})
    String device;

    @Option(names = "--variant", description = "Force a kernel variant: ${COMPLETION-CANDIDATES}.")
    Variant variant;

    @Option(names = "--runs", description = "Timed runs per median (default: ${DEFAULT-VALUE}).")
    int runs = 15;

    @Option(names = "--no-reference", description = "Skip timing the CPU reference (it can take seconds per shape).")
    boolean noReference;

    @Option(names = "--axis0", paramLabel = "ROWSxCOLS", split = ",",
            description = "Also measure softmax along axis 0 (columns) of these shapes (default: ${DEFAULT-VALUE}; 'none' for none).")
    List<String> axis0 = new ArrayList<>(List.of("4096x4096"));

    @Option(names = "--family", description = {"Measure every family member on each shape: softmax, log, temperature,",
        "mask, axis0, float16, bfloat16 (float32 unless named), one record per op."})
    boolean family;

    @Option(names = "--exp", paramLabel = "EXP", description = {"Exp of the kernel-only runs in the vector (CPU) variants:",
        "planner (default), builtin or poly. End-to-end runs keep the planner's."})
    String exp = "planner";

    @Option(names = "--json", paramLabel = "FILE", description = "Write one JSON record per shape to FILE.")
    Path json;

    @Option(names = "--compare", paramLabel = "BASELINE.json", description = "Print the change against a saved run.")
    Path compare;

    @Override
    public Integer call() throws IOException {
        ElementType precision = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32", "f32", "f4" -> ElementType.FLOAT32;
            case "float64", "f64", "f8" -> ElementType.FLOAT64;
            default -> throw new IllegalArgumentException("--dtype must be float32 or float64, got '" + dtype + "'");
        };
        if (runs < 1) {
            throw new IllegalArgumentException("--runs must be >= 1, got " + runs);
        }
        Benchmark.Exp expChoice = switch (exp.toLowerCase(Locale.ROOT)) {
            case "planner" -> Benchmark.Exp.PLANNER;
            case "builtin" -> Benchmark.Exp.BUILTIN;
            case "poly" -> Benchmark.Exp.POLY;
            default -> throw new IllegalArgumentException("--exp must be planner, builtin or poly, got '" + exp + "'");
        };
        List<Shape> parsed = shapes.stream().map(Shape::parse).toList();
        String effective = device != null ? device : io.github.softmaxcl.device.Devices.configuredSpec().orElse(null);
        if (io.github.softmaxcl.device.Devices.isList(effective)) {
            if (family || compare != null) {
                throw new IllegalArgumentException((family ? "--family" : "--compare") + " measures one device;"
                        + " with a device list, bench measures the group against each device alone");
            }
            return GroupBench.run(spec.commandLine().getOut(), spec.commandLine().getErr(),
                    io.github.softmaxcl.exec.EngineConfig.DEFAULT.withVariant(variant), effective, parsed, precision,
                    runs, json);
        }
        Map<String, JsonNode> baseline = compare == null ? Map.of() : readBaseline(compare);
        PrintWriter out = spec.commandLine().getOut();
        List<BenchResult> results = new ArrayList<>();
        try (SoftmaxEngine engine = io.github.softmaxcl.exec.Internals.open(
                io.github.softmaxcl.exec.EngineConfig.DEFAULT.withSpec(device).withVariant(variant))) {
            out.printf("device: %s%n", io.github.softmaxcl.exec.Internals.core(engine).device().describe());
            out.printf("%-12s %-11s %-8s %-38s %9s %8s %8s %6s %9s %8s %9s %10s%n", "shape", "op", "dtype", "plan",
                    "kernel_ms", "GB/s", "copyGB/s", "ratio", "e2e_ms", "e2eGB/s", "direct_ms", "ref_ms");
            out.flush();
            Benchmark bench = new Benchmark(engine, runs, !noReference, expChoice);
            for (Shape s : parsed) {
                List<Benchmark.Member> members = family ? Benchmark.family(s.cols())
                        : List.of(new Benchmark.Member("softmax", precision, io.github.softmaxcl.SoftmaxOp.softmax()));
                for (Benchmark.Member m : members) {
                    print(out, bench.run(s, m), results, baseline);
                }
            }
            if (!family && precision == ElementType.FLOAT32 && !(axis0.size() == 1 && axis0.get(0).equals("none"))) {
                for (String text : axis0) {
                    Shape s = Shape.parse(text);
                    BenchResult r = bench.run(s, new Benchmark.Member("axis0", ElementType.FLOAT32,
                            io.github.softmaxcl.SoftmaxOp.softmax().withAxis(0)));
                    results.add(r);
                    BenchResult rowwise = results.stream().filter(x -> x.shape().equals(r.shape()) && x.axis() == -1)
                            .findFirst().orElse(null);
                    out.printf(Locale.ROOT, "%-12s %-7s %-38s %9.3f %8.2f %8.2f %6.2f%s%n", r.shape() + " ax0",
                            r.dtype(), r.variant(), r.kernelMs(), r.kernelGbps(), r.copyGbps(), r.ratioToCopy(),
                            rowwise == null ? "" : String.format(Locale.ROOT, "   axis 0 / axis -1 time: %.2fx",
                                    r.kernelMs() / rowwise.kernelMs()));
                    out.flush();
                }
            }
        }
        if (json != null) {
            JsonFiles.write(json, results, SNAKE);
            spec.commandLine().getErr().println("wrote " + json);
        }
        return 0;
    }

    private static void print(PrintWriter out, BenchResult r, List<BenchResult> results,
            Map<String, JsonNode> baseline) {
        results.add(r);
        out.printf(Locale.ROOT, "%-12s %-11s %-8s %-38s %9.3f %8.2f %8.2f %6.2f %9.3f %8.2f %9.3f %10.1f%n",
                r.shape(), r.op(), r.dtype(), r.variant(), r.kernelMs(), r.kernelGbps(), r.copyGbps(),
                r.ratioToCopy(), r.e2eMs(), r.e2eGbps(), r.e2eDirectMs(), r.referenceMs());
        JsonNode base = baseline.get(r.op() + "/" + r.shape() + "/" + r.dtype() + "/" + r.axis());
        if (base != null) {
            out.printf(Locale.ROOT, "  vs baseline: kernel GB/s %s, ratio to copy %s, e2e ms %s%n",
                    change(base.path("kernel_gbps").asDouble(), r.kernelGbps()),
                    change(base.path("ratio_to_copy").asDouble(), r.ratioToCopy()),
                    change(base.path("e2e_ms").asDouble(), r.e2eMs()));
        }
        out.flush();
    }

    private static String change(double before, double after) {
        if (!(before > 0)) {
            return "n/a";
        }
        return String.format(Locale.ROOT, "%.3g -> %.3g (%+.1f%%)", before, after, 100 * (after - before) / before);
    }

    private static Map<String, JsonNode> readBaseline(Path file) throws IOException {
        if (!Files.isRegularFile(file)) {
            throw new IllegalArgumentException("--compare: no such file: " + file);
        }
        JsonNode root;
        try {
            root = SNAKE.readTree(file.toFile());
        } catch (IOException e) {
            throw new IOException("--compare: " + file + " is not a bench JSON file: " + e.getMessage(), e);
        }
        if (!root.isArray()) {
            throw new IOException("--compare: " + file + " is not a bench JSON file (expected an array of records)");
        }
        Map<String, JsonNode> byShape = new HashMap<>();
        for (JsonNode n : root) {
            byShape.put(n.path("op").asText("softmax") + "/" + n.path("shape").asText() + "/" + n.path("dtype").asText() + "/" + n.path("axis").asInt(-1), n);
        }
        return byShape;
    }
}
