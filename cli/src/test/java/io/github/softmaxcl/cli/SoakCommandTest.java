/*
 * `verify --soak` through the command line, briefly: a clean soak passes and reports calls,
 * failures and object growth (also in the JSON, under "soak"); calls that fail (an injected OpenCL
 * error) and an OpenCL object left over each make it exit 1; bad options are usage errors. The
 * assertions are on counts, never on speed: every thread makes at least one call however short the run.
 * The seed is fixed so that the calls are the same on every run: the first 700 calls of each of the
 * first four threads with seed 1 were checked to pass here, far more than a brief soak makes.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClException;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Faults;
import io.github.softmaxcl.verify.BackendFactory;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.UnaryOperator;
import org.jocl.CL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SoakCommandTest {
    @TempDir
    Path dir;

    private static Main with(Faults faults) {
        return new Main(BackendFactory.ENGINE_VARIANTS, UnaryOperator.identity(), UnaryOperator.identity(),
                EngineConfig.DEFAULT.withFaults(faults));
    }

    @Test
    void aBriefSoakPassesAndReportsCallsFailuresAndObjectGrowth() throws Exception {
        Path report = dir.resolve("soak.json");
        Cli.Result r = Cli.run("verify", "--soak", "2s", "--threads", "3", "--seed", "1", "--json",
                report.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("soak passed"), r.toString());
        assertTrue(r.out().contains("3 threads") && r.out().contains("seed 1\n"), r.toString());
        assertTrue(r.out().contains("failures 0"), r.toString());
        assertTrue(r.out().contains("(growth 0)"), r.toString());
        JsonNode soak = new ObjectMapper().readTree(report.toFile()).get("soak");
        assertTrue(soak.get("calls").asLong() >= 3, soak.toString());
        assertEquals(0, soak.get("failures").asLong(), soak.toString());
        assertEquals(0, soak.get("object_growth").asLong(), soak.toString());
        assertTrue(soak.get("max_object_growth").asLong() > 0, "engines hold objects while they run: " + soak);
        assertEquals(3, soak.get("threads").asInt());
        assertTrue(soak.get("passed").asBoolean());
        long byEntry = 0;
        for (JsonNode n : soak.get("coverage").get("entry")) {
            byEntry += n.asLong();
        }
        assertEquals(soak.get("calls").asLong(), byEntry, "every call is counted once by entry point");
    }

    @Test
    void callsThatFailMakeTheSoakFailAndLeakNothing() throws Exception {
        AtomicInteger kernels = new AtomicInteger();
        // Every other launch fails, the first included; each call launches once, so one call at least fails.
        Faults faults = (call, chunk) -> {
            if (call.equals("clEnqueueNDRangeKernel") && kernels.getAndIncrement() % 2 == 0) {
                throw new ClException(call, CL.CL_OUT_OF_RESOURCES, "(injected)");
            }
        };
        Path report = dir.resolve("soak.json");
        Cli.Result r = Cli.run(with(faults), "verify", "--soak", "1s", "--threads", "2", "--seed", "1", "--json", report.toString());
        assertEquals(Main.FAILURE, r.code(), r.toString());
        assertTrue(r.out().contains("soak FAILED"), r.toString());
        assertTrue(r.out().contains("FAILED: ") && r.out().contains("clEnqueueNDRangeKernel: CL_OUT_OF_RESOURCES"),
                r.toString());
        JsonNode soak = new ObjectMapper().readTree(report.toFile()).get("soak");
        assertTrue(soak.get("failures").asLong() >= 1, soak.toString());
        assertEquals(0, soak.get("object_growth").asLong(), "failed calls leave nothing behind: " + soak);
        assertTrue(soak.get("first_failures").get(0).asText().contains("seed"), "a failure names its call in full");
    }

    @Test
    void anObjectLeftOverMakesTheSoakFail() {
        DeviceInfo device = Devices.select(null);
        AtomicReference<ClContext> leaked = new AtomicReference<>();
        // The first OpenCL call of the soak opens a context nobody closes: one object of growth.
        Faults leak = (call, chunk) -> {
            if (leaked.get() == null) {
                synchronized (leaked) {
                    if (leaked.get() == null) {
                        leaked.set(new ClContext(device.platform(), device.device()));
                    }
                }
            }
        };
        try {
            Cli.Result r = Cli.run(with(leak), "verify", "--soak", "1s", "--threads", "1", "--seed", "1");
            assertEquals(Main.FAILURE, r.code(), r.toString());
            assertTrue(r.out().contains("failures 0"), r.toString());
            assertTrue(r.out().contains("(growth 1)"), r.toString());
            assertTrue(r.out().contains("soak FAILED"), r.toString());
        } finally {
            if (leaked.get() != null) {
                leaked.get().close();
            }
        }
    }

    @Test
    void badSoakOptionsAreUsageErrors() {
        Cli.Result unit = Cli.run("verify", "--soak", "5x");
        assertEquals(Main.USAGE, unit.code(), unit.toString());
        assertTrue(unit.err().contains("--soak: duration must be a positive number with a unit"), unit.toString());
        Cli.Result threads = Cli.run("verify", "--threads", "2");
        assertEquals(Main.USAGE, threads.code(), threads.toString());
        assertTrue(threads.err().contains("--threads needs --soak"), threads.toString());
        Cli.Result seed = Cli.run("verify", "--seed", "2");
        assertEquals(Main.USAGE, seed.code(), seed.toString());
        assertTrue(seed.err().contains("--seed needs --soak"), seed.toString());
        Cli.Result zero = Cli.run("verify", "--soak", "1s", "--threads", "0");
        assertEquals(Main.USAGE, zero.code(), zero.toString());
        Cli.Result quick = Cli.run("verify", "--soak", "1s", "--quick");
        assertEquals(Main.USAGE, quick.code(), quick.toString());
        Cli.Result all = Cli.run("verify", "--soak", "1s", "--device", "all");
        assertEquals(Main.USAGE, all.code(), all.toString());
        assertTrue(all.err().contains("--soak runs on one device"), all.toString());
    }
}
