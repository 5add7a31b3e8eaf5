/*
 * The simulator checks: the kernels on Oclgrind, a GPU simulator, with its data-race, API and
 * uninitialised-value checkers on, where any report fails (PoCL runs a work-group's items one after
 * another and would let a missing barrier or an uninitialised read pass). Each check is a child JVM
 * (Oclgrind, SimulatorChecks). First the checkers themselves are shown to catch a race, an
 * uninitialised read, an out-of-bounds write and an API error, so a silent simulator cannot pass; and
 * the simulator's own faults that the kernels and the library work around are reproduced, so the day
 * an Oclgrind release fixes one, this says so and the workaround can go.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.device.GpuProfiles;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class OclgrindTest {
    /** How long one child may run, several times what it takes on two cores. */
    private static final int TIMEOUT_S = 600;

    /** @return the reports section NAME printed, as "N reports" followed by their lines */
    private static String section(Oclgrind.Run run, String name) {
        Matcher m = Pattern.compile("section " + name + ": (\\d+) reports\\n((?:  .*\\n)*)").matcher(run.stdout());
        assertTrue(m.find(), "no section " + name + ":\n" + run.describe());
        return m.group(1) + " reports\n" + m.group(2);
    }

    @Test
    void theCheckersCatchFaultsAndTheSimulatorsOwnFaultsAreAsDocumented(@TempDir Path dir) throws Exception {
        Map<String, String> env = new HashMap<>(Oclgrind.CHECKERS);
        env.put("OCLGRIND_LOG", dir.resolve("oclgrind.log").toString());
        Oclgrind.Run run = Oclgrind.run(dir, env, TIMEOUT_S, "artefacts");
        assertEquals(0, run.exit(), run.describe());
        assertTrue(section(run, "canary-race").contains("data race"), run.describe());
        assertTrue(section(run, "canary-uninitialised").contains("Uninitialized value written to global memory"),
                run.describe());
        assertTrue(section(run, "canary-out-of-bounds").contains("Invalid write"), run.describe());
        assertTrue(run.stderr().contains("Oclgrind - OpenCL runtime error detected")
                && run.stderr().contains("clSetKernelArg"), run.describe());
        // A fill is recorded element by element, each store shrinking the buffer's defined bytes to its
        // own size at offset 0: values the kernel writes past the first element and reads back are
        // reported. One write of the whole buffer is recorded whole. (ClBuffer.fill)
        assertTrue(section(run, "fill-then-kernel").startsWith("7 reports"), section(run, "fill-then-kernel"));
        assertTrue(section(run, "whole-write-then-kernel").startsWith("0 reports"), run.describe());
        // A released buffer's record stays for the next buffer in its place: past the old 16 bytes,
        // writes are lost and reads count as never written (ClBuffer.allocate).
        assertTrue(section(run, "reused-buffer-then-kernel").startsWith("4 reports"), run.describe());
        // A shuffle lane taken from element 11 counts as undefined (softmax_common.clh, hmax_v).
        assertTrue(section(run, "lane-11-shuffle").contains("depends on uninitialized value"), run.describe());
        // a / b beside a % b becomes a freeze instruction, which the checker cannot run (REMAINDER).
        assertTrue(section(run, "freeze").contains("Unsupported instruction: freeze"), run.describe());
    }

    @Test
    void everyKernelIsCleanOnTheSimulator(@TempDir Path dir) throws Exception {
        Oclgrind.Run run = Oclgrind.run(dir, Oclgrind.CHECKERS, TIMEOUT_S, "sweep");
        assertClean(run);
        for (Variant v : Variant.values()) {
            assertTrue(run.stdout().contains(v.name()), v + " was not run:\n" + run.describe());
        }
        for (String k : new String[] {"SPLIT/3", "strided", "sweep", "gradient (rows)", "gradient (axis)"}) {
            assertTrue(run.stdout().contains(k), k + " was not run:\n" + run.describe());
        }
    }

    @Test
    void everyProfilesPlansAreCleanOnTheSimulator(@TempDir Path dir) throws Exception {
        Oclgrind.Run run = Oclgrind.run(dir, Oclgrind.CHECKERS, TIMEOUT_S, "profiles");
        assertClean(run);
        // A profile whose calls all plan as an earlier one's is not run again: the NVIDIA ones and Intel's
        // share plans (work-groups up to 1024), AMD's differ (up to 256).
        for (String p : new String[] {GpuProfiles.all().get(0).name(), GpuProfiles.named("MI300X").name()}) {
            assertTrue(run.stdout().contains(p), p + " was not run:\n" + run.describe());
        }
    }

    @Test
    void launchesStayWithinTheKernelsLimitOnASmallDevice(@TempDir Path dir) throws Exception {
        // The simulator refuses a launch above its work-group limit (CL_INVALID_WORK_GROUP_SIZE); at 16
        // every kernel kind must fit, the any-axis and gradient kernels' fixed local sizes included.
        Map<String, String> env = new HashMap<>(Map.of("OCLGRIND_MAX_WGSIZE", "16"));
        Oclgrind.Run run = Oclgrind.run(dir, env, TIMEOUT_S, "sweep");
        assertClean(run);
    }

    private static void assertClean(Oclgrind.Run run) {
        assertEquals(0, run.exit(), run.describe());
        assertTrue(run.stderr().isBlank(), "the simulator reported:\n" + run.describe());
        Matcher m = Pattern.compile("checked (\\d+) calls, 0 failures").matcher(run.stdout());
        assertTrue(m.find() && Integer.parseInt(m.group(1)) > 0, run.describe());
        System.out.printf("%s%n", run.stdout().lines().reduce((a, b) -> b).orElse("") + String.format(
                " in %.1f s", run.seconds()));
    }
}
