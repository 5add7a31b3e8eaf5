/*
 * `softmax verify`: checks a device before trusting it. Runs the built-in suite (or a user's .npy
 * file) with every kernel variant that can run each shape, compares with the CPU reference, prints
 * a table per device and exits 1 if anything is out of tolerance. With --result it checks the rows
 * a previous `run` wrote instead of computing them again. With --soak it runs the burn-in instead
 * (see verify.Soak): random calls from several threads for a given time, every result checked, and
 * no OpenCL object may be left over.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.verify.CaseResult;
import io.github.softmaxcl.verify.FileSample;
import io.github.softmaxcl.verify.JsonFiles;
import io.github.softmaxcl.verify.Soak;
import io.github.softmaxcl.verify.SoftmaxBackend;
import io.github.softmaxcl.verify.Verifier;
import io.github.softmaxcl.verify.VerifyCase;
import io.github.softmaxcl.verify.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** Device-versus-reference verification. */
@Command(name = "verify", description = {
    "Check a device against the CPU reference; exit 1 on any failure.",
    "Runs generated cases (random with outliers, masks, NaN/inf rows, huge spreads, near-uniform rows,",
    "row lengths around work-group sizes, very long rows, many short rows; float32 and float64) with",
    "every kernel variant on the device and on the CPU reference, and prints a table per case.",
    "With --soak: random shapes, types, ops and entry points from several threads for DURATION, on a",
    "shared engine and one per thread, every result checked and live OpenCL objects counted."})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC|all",
            description = "Device: gpu, cpu, accelerator, P:D, part of a name, 'all' for every device (simulators"
                    + " included), or a list (0:0,0:1): each is verified on its own.")
    String device;

    @Option(names = "--json", paramLabel = "REPORT.json", description = "Also write the results as JSON (atomically).")
    Path json;

    @Option(names = "--quick", description = "A smaller suite that runs in a few seconds.")
    boolean quick;

    @Option(names = "--input", paramLabel = "IN.npy", description = "Verify on this file's rows instead of the suite.")
    Path input;

    @Option(names = "--result", paramLabel = "OUT.npy",
            description = "With --input: check this output of 'run' against the reference instead of the device.")
    Path result;

    @Option(names = "--rows-sample", paramLabel = "N",
            description = "With --input: check N rows spread over the file (default: all rows of files up to"
                    + " 16M elements, else 1000).")
    Integer rowsSample;

    @Option(names = "--soak", paramLabel = "DURATION",
            description = "Burn-in for DURATION (e.g. 30s, 5m, 1h) instead of the suite; exit 1 on any failed call"
                    + " or leftover OpenCL object.")
    String soak;

    @Option(names = "--threads", paramLabel = "N", description = "With --soak: calling threads (default 4).")
    Integer threads;

    @Option(names = "--seed", paramLabel = "S",
            description = "With --soak: the seed of the random calls (default: a new one, printed), to repeat a soak's"
                    + " calls.")
    Long seed;

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
        if (soak != null) {
            return soak(out);
        }
        Verifier verifier = new Verifier(out);
        List<CaseResult> results = new ArrayList<>();
        if (input != null) {
            FileSample sample = FileSample.read(input, result, rowsSample == null ? 0 : rowsSample);
            if (result != null) {
                try (SoftmaxBackend file = sample.resultBackend(result)) {
                    results.addAll(verifier.run(List.of(sample.verifyCase()), List.of(file)));
                }
            } else {
                for (DeviceInfo d : devices()) {
                    results.addAll(runOn(verifier, d, List.of(sample.verifyCase())));
                }
            }
        } else {
            List<VerifyCase> cases = VerifyCase.suite(quick);
            for (DeviceInfo d : devices()) {
                results.addAll(runOn(verifier, d, cases));
            }
        }
        if (json != null) {
            VerifyReport.write(json, results);
        }
        if (results.stream().noneMatch(r -> r.status() != CaseResult.Status.SKIPPED)) {
            throw new CommandFailedException("nothing was verified: every case was skipped");
        }
        boolean failed = Verifier.anyFailed(results);
        out.println(failed ? "verification FAILED" : "verification passed");
        out.flush();
        return failed ? Main.FAILURE : 0;
    }

    private Integer soak(PrintWriter out) throws java.io.IOException {
        Duration d;
        try {
            d = Soak.parseDuration(soak);
        } catch (IllegalArgumentException e) {
            throw new ParameterException(spec.commandLine(), "--soak: " + e.getMessage(), e);
        }
        int n = threads == null ? 4 : threads;
        long s = seed != null ? seed : new SplittableRandom().nextLong();
        Soak.Result r = Soak.run(main.engines.withSpec(device), d, n, s);
        out.printf(Locale.ROOT, "soak on %s: %d threads for %.1f s, seed %d%n", r.device(), r.threads(), r.seconds(),
                r.seed());
        r.coverage().forEach((axis, counts) -> out.println("  " + axis + ": " + counts));
        out.printf(Locale.ROOT, "  calls %d, failures %d%n", r.calls(), r.failures());
        out.printf(Locale.ROOT, "  OpenCL objects: %d before, %d at the peak, %d after (growth %d), %d engines"
                + " reopened%n", r.objectsStart(), r.objectsPeak(), r.objectsEnd(), r.objectGrowth(), r.reopens());
        for (String f : r.firstFailures()) {
            out.println("  FAILED: " + f);
        }
        if (r.failures() > r.firstFailures().size()) {
            out.println("  ... and " + (r.failures() - r.firstFailures().size()) + " more failures");
        }
        if (json != null) {
            JsonFiles.write(json, Map.of("soak", r.toMap()), JsonFiles.MAPPER);
        }
        out.println(r.passed() ? "soak passed" : "soak FAILED");
        out.flush();
        return r.passed() ? 0 : Main.FAILURE;
    }

    private List<CaseResult> runOn(Verifier verifier, DeviceInfo d, List<VerifyCase> cases) {
        List<SoftmaxBackend> backends = main.backends.open(d);
        try {
            List<CaseResult> results = new ArrayList<>(verifier.run(cases, backends));
            if (input == null) {
                results.addAll(verifier.runFamily(io.github.softmaxcl.reference.FamilyCase.suite(quick), backends));
            }
            return results;
        } finally {
            backends.forEach(SoftmaxBackend::close);
        }
    }

    private List<DeviceInfo> devices() {
        if (device != null && device.trim().equalsIgnoreCase("all")) {
            return Devices.discover();
        }
        if (Devices.isList(device)) {
            return Devices.selectAll(device);
        }
        return List.of(Devices.select(device));
    }

    private void validate() {
        if (soak != null && (input != null || quick)) {
            throw new ParameterException(spec.commandLine(), "--soak runs on its own: not with --input or --quick");
        }
        if (soak != null && Devices.isList(device)) {
            throw new ParameterException(spec.commandLine(), "--soak runs on one device: choose it with --device");
        }
        if ((threads != null || seed != null) && soak == null) {
            throw new ParameterException(spec.commandLine(), (threads != null ? "--threads" : "--seed")
                    + " needs --soak");
        }
        if (threads != null && threads < 1) {
            throw new ParameterException(spec.commandLine(), "--threads must be >= 1, got " + threads);
        }
        if (input == null && (result != null || rowsSample != null)) {
            throw new ParameterException(spec.commandLine(), "--result and --rows-sample need --input");
        }
        if (input != null && quick) {
            throw new ParameterException(spec.commandLine(), "--quick applies to the built-in suite, not --input");
        }
        if (rowsSample != null && rowsSample < 1) {
            throw new ParameterException(spec.commandLine(), "--rows-sample must be >= 1, got " + rowsSample);
        }
        for (Path p : new Path[] {input, result}) {
            if (p != null && !Files.isRegularFile(p)) {
                throw new ParameterException(spec.commandLine(), "file not found: " + p);
            }
        }
        if (json != null) {
            Path dir = json.toAbsolutePath().normalize().getParent();
            if (dir == null || !Files.isDirectory(dir)) {
                throw new ParameterException(spec.commandLine(), "directory of --json does not exist: " + dir);
            }
        }
    }
}
