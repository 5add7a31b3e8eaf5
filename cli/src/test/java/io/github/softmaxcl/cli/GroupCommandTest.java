/*
 * The command line on two devices: `run --device all` and `run --device P:D,P:D` write the bytes a
 * run on one device writes (two devices of one kind), streamed in chunks or not; `bench` with a
 * device list measures the group against each device and writes its records; bad device lists
 * are usage errors (exit 2) whose one line says what is wrong, and leave no output file; `devices
 * --json` lists both devices. The calibration goes to a temporary cache directory.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@Tag("twodevices")
class GroupCommandTest {
    @TempDir
    static Path cache;
    private static String oldCache;

    @TempDir
    Path dir;

    @BeforeAll
    static void useTempCache() {
        oldCache = System.getProperty("softmaxcl.cache");
        System.setProperty("softmaxcl.cache", cache.toString());
    }

    @AfterAll
    static void restoreCache() {
        if (oldCache == null) {
            System.clearProperty("softmaxcl.cache");
        } else {
            System.setProperty("softmaxcl.cache", oldCache);
        }
    }

    /** The first two real devices; fails (never skips) on a machine with fewer. */
    private static List<String> two() {
        List<String> ids = Devices.discover().stream().filter(d -> !d.simulator()).map(DeviceInfo::id).toList();
        if (ids.size() < 2) {
            fail("needs two OpenCL devices, found " + ids + "; run with POCL_DEVICES=\"pthread pthread\"");
        }
        return ids.subList(0, 2);
    }

    private static Cli.Result ok(String... args) {
        Cli.Result r = Cli.run(args);
        assertEquals(0, r.code(), r.toString());
        return r;
    }

    @Test
    void runOnAGroupWritesTheBytesOfOneDevice() throws IOException {
        List<String> ids = two();
        String in = dir.resolve("in.npy").toString();
        ok("generate", in, "--shape", "3001x300", "--pattern", "random", "--seed", "3");
        for (String[] extra : new String[][] {{}, {"--chunk-rows", "700"}, {"--log", "--temperature", "0.6"}}) {
            byte[] one = run(in, ids.get(0), extra);
            assertArrayEquals(one, run(in, "all", extra), "all " + List.of(extra));
            assertArrayEquals(one, run(in, ids.get(1) + "," + ids.get(0), extra), "list " + List.of(extra));
        }
        String in3 = dir.resolve("in3.npy").toString();
        ok("generate", in3, "--shape", "30x40x50", "--dtype", "float64", "--seed", "4");
        assertArrayEquals(run(in3, ids.get(1), "--axis", "1"), run(in3, String.join(",", ids), "--axis", "1"),
                "axis 1 of a 3-d float64 array");
    }

    private byte[] run(String in, String device, String... extra) throws IOException {
        Path out = dir.resolve("out-" + device.replace(',', '_').replace(':', '-') + ".npy");
        String[] args = new String[6 + extra.length];
        System.arraycopy(new String[] {"run", in, "-o", out.toString(), "--device", device}, 0, args, 0, 6);
        System.arraycopy(extra, 0, args, 6, extra.length);
        Cli.Result r = ok(args);
        if (device.contains(",") || device.equals("all")) {
            assertTrue(r.out().contains("shares"), r.out());
        }
        return Files.readAllBytes(out);
    }

    @Test
    void benchMeasuresTheGroupAgainstEachDevice() throws IOException {
        Path json = dir.resolve("bench.json");
        Cli.Result r = ok("bench", "--device", String.join(",", two()), "--shape", "2000x300", "--runs", "2",
                "--json", json.toString());
        assertTrue(r.out().contains("calibration: ") && r.out().contains("group vs the fastest device alone"),
                r.out());
        JsonNode records = new ObjectMapper().readTree(json.toFile());
        assertEquals(1, records.size(), records.toString());
        JsonNode rec = records.get(0);
        assertEquals(2000, rec.get("split").get(0).asLong() + rec.get("split").get(1).asLong(), rec.toString());
        assertTrue(rec.get("group_ms").asDouble() > 0 && rec.get("alone_ms").size() == 2, rec.toString());
        assertTrue(rec.get("group_cpu_ms").isNumber() && rec.get("alone_cpu_ms").size() == 2, rec.toString());
    }

    @Test
    void badDeviceListsAreUsageErrorsNamingTheProblem() {
        String id = two().get(0);
        String[][] cases = {
            {id + ",," + two().get(1), "has an empty item (number 2 of 3)"},
            {"all," + id, "'all' already names every device"},
            {id + "," + id, "names device " + id + " (" },
            {id + ",9:9", "no OpenCL device matches '9:9'"},
        };
        for (String[] c : cases) {
            Path out = dir.resolve("never.npy");
            Path in = dir.resolve("x.npy");
            ok("generate", in.toString(), "--shape", "4x5");
            for (String[] args : new String[][] {{"run", in.toString(), "-o", out.toString(), "--device", c[0]},
                {"bench", "--device", c[0], "--shape", "4x5", "--runs", "1"}}) {
                Cli.Result r = Cli.run(args);
                assertEquals(Main.USAGE, r.code(), r.toString());
                assertTrue(r.err().contains(c[1]), c[0] + ": " + r);
                assertEquals(1, r.err().strip().lines().filter(l -> !l.contains(" INFO ")).count(), r.err());
            }
            assertFalse(Files.exists(out), "no output for a refused run");
        }
        Cli.Result family = Cli.run("bench", "--device", "all", "--family");
        assertEquals(Main.USAGE, family.code(), family.toString());
        assertTrue(family.err().contains("--family measures one device"), family.toString());
    }

    @Test
    void devicesJsonListsEveryDevice() throws IOException {
        Cli.Result r = ok("devices", "--json");
        JsonNode array = new ObjectMapper().readTree(r.out());
        assertEquals(Devices.discover().size(), array.size());
        Set<String> ids = new HashSet<>();
        for (JsonNode d : array) {
            ids.add(d.get("id").asText());
        }
        assertTrue(ids.containsAll(two()), ids.toString());
        assertEquals(array.size(), ids.size(), "one entry per device");
    }
}
