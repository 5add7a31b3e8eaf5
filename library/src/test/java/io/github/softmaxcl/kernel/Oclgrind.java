/*
 * Runs a check in a child JVM on the Oclgrind simulator, with its checkers on, and collects what it
 * reports. Oclgrind is chosen and configured before a process starts (its ICD file and OCLGRIND_*
 * variables are read when OpenCL is first used), so each check is a fresh JVM: OCL_ICD_VENDORS names a
 * directory made here holding only Oclgrind's ICD file (nothing under /etc is touched), and the child
 * writes nothing of its own to stderr (SimulatorChecks moves System.err to stdout), so every line on
 * its stderr is the simulator's. A report of any kind fails the checks that use this.
 *
 * Oclgrind is required: without it the checks fail with the command that installs it, as the suite
 * fails without an OpenCL driver; they never skip.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

final class Oclgrind {
    /** Where Debian's oclgrind package puts its ICD library; -Dsoftmaxcl.oclgrind.icd=PATH for another. */
    static final String DEFAULT_ICD = "/usr/lib/oclgrind/liboclgrind-rt-icd.so";
    /** The three checkers: data races, OpenCL API misuse, uninitialised values. */
    static final Map<String, String> CHECKERS = Map.of("OCLGRIND_DATA_RACES", "1", "OCLGRIND_CHECK_API", "1",
            "OCLGRIND_UNINITIALIZED", "1");

    /**
     * What a child run left.
     *
     * @param exit its exit status
     * @param stdout its standard output
     * @param stderr its standard error: the simulator's reports only
     * @param seconds how long it ran
     */
    record Run(int exit, String stdout, String stderr, double seconds) {
        /** @return each report's first line, with addresses and numbers masked, and how often it came */
        Map<String, Integer> reports() {
            Map<String, Integer> kinds = new TreeMap<>();
            boolean startOfBlock = true;
            for (String line : stderr.split("\n")) {
                if (line.isBlank()) {
                    startOfBlock = true;
                    continue;
                }
                if (startOfBlock && !line.startsWith("\t")) {
                    kinds.merge(line.replaceAll("0x[0-9a-fA-F]+", "0x..").replaceAll("\\d+", "N"), 1, Integer::sum);
                }
                startOfBlock = false;
            }
            return kinds;
        }

        /** @return a description for failure messages: exit status, report kinds, the first lines of stderr */
        String describe() {
            String[] err = stderr.split("\n", 41);
            return "exit " + exit + " after " + String.format("%.1f", seconds) + " s; reports " + reports()
                    + "\n--- simulator (first 40 lines) ---\n" + String.join("\n", java.util.Arrays.copyOf(err,
                            Math.min(err.length, 40))) + "\n--- child output (last 3000 characters) ---\n"
                    + stdout.substring(Math.max(0, stdout.length() - 3000));
        }
    }

    private Oclgrind() {}

    /** @return Oclgrind's ICD library; fails the test with how to install it if it is not there */
    static Path icd() {
        Path lib = Path.of(System.getProperty("softmaxcl.oclgrind.icd", DEFAULT_ICD));
        if (!Files.isRegularFile(lib)) {
            fail("the simulator checks need Oclgrind, and " + lib + " is missing: install it with `sudo "
                    + "scripts/install-deps.sh` (Debian/Ubuntu package oclgrind), or name its ICD library with "
                    + "-Dsoftmaxcl.oclgrind.icd=PATH");
        }
        return lib;
    }

    /**
     * Runs {@code SimulatorChecks.main(args)} in a child JVM that sees only Oclgrind.
     *
     * @param dir a directory for the ICD file and logs
     * @param env OCLGRIND_* settings
     * @param timeoutSeconds how long it may run before it is killed and the test fails
     * @param args the check and its arguments
     * @return what it left
     */
    static Run run(Path dir, Map<String, String> env, int timeoutSeconds, String... args) throws IOException,
            InterruptedException {
        Path vendors = Files.createDirectories(dir.resolve("vendors"));
        Files.writeString(vendors.resolve("oclgrind.icd"), icd() + "\n");
        List<String> cmd = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g", "-XX:-CreateCoredumpOnCrash", "-XX:ErrorFile=" + dir.resolve("hs_err.log"),
                "-cp", System.getProperty("java.class.path")));
        String logback = System.getProperty("logback.configurationFile");
        if (logback != null) {
            cmd.add("-Dlogback.configurationFile=" + logback);
        }
        cmd.add(SimulatorChecks.class.getName());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        Map<String, String> e = pb.environment();
        e.keySet().removeIf(k -> k.startsWith("OCLGRIND_") || k.equals("SOFTMAX_CL_DEVICE"));
        e.put("OCL_ICD_VENDORS", vendors.toString());
        e.putAll(new LinkedHashMap<>(env));
        Path out = dir.resolve("stdout.txt");
        Path err = dir.resolve("stderr.txt");
        pb.redirectOutput(out.toFile()).redirectError(err.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
            p.destroyForcibly().waitFor();
            fail("the simulator check " + List.of(args) + " ran past " + timeoutSeconds + " s; its output:\n"
                    + Files.readString(out, StandardCharsets.UTF_8));
        }
        return new Run(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8),
                Files.readString(err, StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1e9);
    }
}
