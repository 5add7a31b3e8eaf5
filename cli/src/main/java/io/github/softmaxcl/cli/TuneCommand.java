/*
 * `softmax tune`: searches kernel variants and their parameters on this device, one row-length
 * bucket at a time, keeps the fastest configuration whose output matches the CPU reference, and
 * saves the winners to the device's tuning cache, which every engine on this device then uses.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.bench.Tuner;
import io.github.softmaxcl.kernel.Tuning;
import io.github.softmaxcl.kernel.Tuning.Bucket;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Autotunes the kernels for one device and writes the tuning cache. */
@Command(name = "tune", description = {
    "Find the fastest correct kernel configuration per row-length bucket on this device and save it",
    "to the tuning cache ($SOFTMAX_CL_CACHE, else ~/.cache/softmax-cl). Any configuration whose output",
    "differs from the CPU reference is rejected."})
final class TuneCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC", description = "Device: gpu, cpu, accelerator, P:D or part of a name.")
    String device;

    @Option(names = "--dtype", description = "float32, float64 or both (default: ${DEFAULT-VALUE}).")
    String dtype = "float32";

    @Option(names = "--bucket", description = "Tune only these buckets: ${COMPLETION-CANDIDATES}.", split = ",")
    List<Bucket> buckets = List.of(Bucket.values());

    @Option(names = "--quick", description = "Only each variant's defaults, on smaller shapes: picks variants in seconds.")
    boolean quick;

    @Option(names = "--dry-run", description = "Measure and print, but do not write the cache.")
    boolean dryRun;

    @Option(names = "--verbose-candidates", description = "Print every candidate's GB/s (to stderr).")
    boolean candidates;

    @Override
    public Integer call() throws IOException {
        List<ElementType> precisions = switch (dtype.toLowerCase(Locale.ROOT)) {
            case "float32" -> List.of(ElementType.FLOAT32);
            case "float64" -> List.of(ElementType.FLOAT64);
            case "both" -> List.of(ElementType.FLOAT32, ElementType.FLOAT64);
            default -> throw new IllegalArgumentException("--dtype must be float32, float64 or both, got '" + dtype + "'");
        };
        PrintWriter out = spec.commandLine().getOut();
        try (SoftmaxEngine engine = SoftmaxEngine.builder().device(device).tuning(false).build()) {
            io.github.softmaxcl.device.DeviceInfo info = io.github.softmaxcl.exec.Internals.core(engine).device();
            Tuning previous = Tuning.load(info);
            List<Tuning.Entry> entries = new ArrayList<>(previous.entries());
            out.printf("device: %s%n", info.describe());
            out.printf("%-9s %-7s %-14s %-52s %8s %-40s %8s %s%n", "bucket", "dtype", "shape", "best", "GB/s",
                    "default", "GB/s", "tried/rejected/skipped");
            out.flush();
            Tuner tuner = new Tuner(engine, quick, candidates ? spec.commandLine().getErr() : null);
            for (ElementType p : precisions) {
                if (p == ElementType.FLOAT64 && !engine.device().fp64()) {
                    out.println("skipped float64: device has no fp64");
                    continue;
                }
                for (Bucket b : buckets) {
                    Tuner.Result r = tuner.tune(b, p);
                    entries.removeIf(e -> e.bucket() == b && e.precision() == p);
                    entries.add(r.entry());
                    out.printf(Locale.ROOT, "%-9s %-7s %-14s %-52s %8.2f %-40s %8.2f %d/%d/%d%n", b,
                            p == ElementType.FLOAT32 ? "float32" : "float64",
                            r.plan().variant() == null ? "" : shape(b, r), r.plan(), r.entry().gbps(), r.defaultPlan(),
                            r.defaultGbps(), r.tried(), r.rejected(), r.skipped());
                    out.flush();
                }
            }
            if (!dryRun) {
                Path file = new Tuning(entries).save(info);
                out.println("saved " + file);
            }
        }
        return 0;
    }

    private String shape(Bucket b, Tuner.Result r) {
        return b.rows() + "x" + b.cols() + (quick ? "/4" : "");
    }
}
