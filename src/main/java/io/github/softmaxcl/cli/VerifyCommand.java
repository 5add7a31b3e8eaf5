/*
 * `softmax verify`: checks a device before trusting it. Runs the built-in suite (or a user's .npy
 * file) with every kernel variant that can run each shape, compares with the CPU reference, prints
 * a table per device and exits 1 if anything is out of tolerance. With --result it checks the rows
 * a previous `run` wrote instead of computing them again.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.verify.CaseResult;
import io.github.softmaxcl.verify.FileSample;
import io.github.softmaxcl.verify.SoftmaxBackend;
import io.github.softmaxcl.verify.Verifier;
import io.github.softmaxcl.verify.VerifyCase;
import io.github.softmaxcl.verify.VerifyReport;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
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
    "every kernel variant on the device and on the CPU reference, and prints a table per case."})
final class VerifyCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @ParentCommand
    Main main;

    @Option(names = {"-d", "--device"}, paramLabel = "SPEC|all",
            description = "Device: gpu, cpu, accelerator, P:D, part of a name, or 'all' for every device.")
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

    @Override
    public Integer call() throws Exception {
        validate();
        PrintWriter out = spec.commandLine().getOut();
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

    private List<CaseResult> runOn(Verifier verifier, DeviceInfo d, List<VerifyCase> cases) {
        List<SoftmaxBackend> backends = main.backends.open(d);
        try {
            List<CaseResult> results = new ArrayList<>(verifier.run(cases, backends));
            if (input == null) {
                results.addAll(verifier.runFamily(io.github.softmaxcl.verify.FamilyCase.suite(quick), backends));
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
        return List.of(Devices.select(device));
    }

    private void validate() {
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
