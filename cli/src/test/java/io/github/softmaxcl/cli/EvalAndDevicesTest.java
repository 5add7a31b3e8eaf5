/*
 * `eval` prints the article's numbers in the article's format; `devices` lists the device and marks
 * the default, as a table and as JSON.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.DeviceType;
import io.github.softmaxcl.device.Devices;
import java.util.List;
import org.junit.jupiter.api.Test;

class EvalAndDevicesTest {
    private static String eval(String... args) {
        String[] all = new String[args.length + 1];
        all[0] = "eval";
        System.arraycopy(args, 0, all, 1, args.length);
        Cli.Result r = Cli.run(all);
        assertEquals(0, r.code(), r.toString());
        return r.out().strip();
    }

    @Test
    void theArticlesExamplesInFloat64() {
        assertEquals("[1.52299795e-08, 9.99999985e-01, 5.10908895e-12]", eval("13", "31", "5"));
        assertEquals("[3.72007598e-44, 1.00000000e+00, 3.72007598e-44]", eval("0", "100", "0"));
    }

    @Test
    void float32ShowsSinglePrecisionRounding() {
        // 0.999999985 is not a float: the nearest one is 1. The small entries carry float32 error
        // (within the stated 2e-5 relative tolerance), so they are checked numerically.
        String out = eval("--float32", "13", "31", "5");
        String[] parts = out.substring(1, out.length() - 1).split(", ");
        assertEquals("1.00000000e+00", parts[1], out);
        assertEquals(1.52299795e-08, Double.parseDouble(parts[0]), 1.52299795e-08 * 2e-5, out);
        assertEquals(5.10908895e-12, Double.parseDouble(parts[2]), 5.10908895e-12 * 2e-5, out);
    }

    @Test
    void infinitiesAndNan() {
        assertEquals("[0.00000000e+00, 5.00000000e-01, 5.00000000e-01]", eval("-inf", "2", "2"));
        assertEquals("[nan, nan]", eval("1", "inf"));
        assertEquals("[nan, nan, nan]", eval("nan", "-3", "4"));
        assertEquals("[1.00000000e+00]", eval("-7.5e3"));
    }

    @Test
    void logSoftmaxAndTemperatureOnTheDevice() {
        Cli.Result r = Cli.run("eval", "--log", "0", "0", "-inf");
        assertEquals(0, r.code(), r.toString());
        assertEquals("[-6.93147181e-01, -6.93147181e-01, -inf]", r.out().strip());
        // softmax([13, 31, 5] / 2) = softmax([6.5, 15.5, 2.5]), digits from an independent double computation
        Cli.Result t = Cli.run("eval", "--temperature", "2", "13", "31", "5");
        assertEquals(0, t.code(), t.toString());
        assertEquals("[1.23394297e-04, 9.99874346e-01, 2.26004539e-06]", t.out().strip());
        Cli.Result bad = Cli.run("eval", "--temperature", "-1", "1", "2");
        assertEquals(Main.USAGE, bad.code(), bad.toString());
        assertTrue(bad.err().contains("temperature must be finite and > 0, got -1.0"), bad.toString());
    }

    @Test
    void devicesTableMarksTheDefault() {
        DeviceInfo def = Devices.select(null);
        Cli.Result r = Cli.run("devices");
        assertEquals(0, r.code(), r.toString());
        String line = r.out().lines().filter(l -> l.contains(def.name())).findFirst().orElseThrow();
        assertTrue(line.startsWith("* " + def.id()), line);
        assertTrue(line.contains(def.openclCVersion()), line);
    }

    @Test
    void devicesJsonHasEveryFieldAndOneDefault() throws Exception {
        Cli.Result r = Cli.run("devices", "--json");
        assertEquals(0, r.code(), r.toString());
        JsonNode array = new ObjectMapper().readTree(r.out());
        assertEquals(Devices.discover().size(), array.size());
        int defaults = 0;
        for (JsonNode d : array) {
            for (String f : List.of("id", "platform", "name", "type", "computeUnits", "clockMhz", "globalMemBytes",
                    "localMemBytes", "maxAllocBytes", "fp64", "openclCVersion", "default")) {
                assertTrue(d.has(f), f + " missing in " + d);
            }
            assertTrue(d.get("globalMemBytes").asLong() > 0);
            defaults += d.get("default").asBoolean() ? 1 : 0;
        }
        assertEquals(1, defaults);
    }

    @Test
    void withOnlySimulatorsTheTableListsThemAndNamesNoDefault() {
        assumeTrue(Devices.configuredSpec().isEmpty(), "SOFTMAX_CL_DEVICE or softmaxcl.device is set");
        DeviceInfo grind = new DeviceInfo(0, 0, "Oclgrind", "Oclgrind Simulator", "University of Bristol",
                DeviceType.GPU, 1, 1, 128L << 20, 32L << 10, 128L << 20, 1024, true, false, true, "OpenCL 1.2",
                "OpenCL C 1.2", "21.10", null, null);
        java.io.StringWriter err = new java.io.StringWriter();
        assertEquals(null, DevicesCommand.defaultDevice(List.of(grind), new java.io.PrintWriter(err)));
        java.io.StringWriter out = new java.io.StringWriter();
        DevicesCommand.printTable(new java.io.PrintWriter(out, true), List.of(grind), null);
        assertTrue(out.toString().contains("Oclgrind Simulator"), out.toString());
        assertTrue(out.toString().contains("every device is a simulator"), out.toString());
        assertEquals("", err.toString());
    }
}
