/*
 * `softmax devices`: every OpenCL platform and device with the facts that decide whether and how to
 * use it (type, compute units, clock, memory sizes, max allocation, fp64, OpenCL C version), and a
 * mark on the device the default selection would pick. `--json` prints the same as an array.
 */
package io.github.softmaxcl.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Lists OpenCL devices. */
@Command(name = "devices", description = "List every OpenCL platform and device; '*' marks the default device.")
final class DevicesCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Option(names = "--json", description = "Print a JSON array instead of a table.")
    boolean json;

    @Override
    public Integer call() throws Exception {
        List<DeviceInfo> all = Devices.discover();
        DeviceInfo def = defaultDevice(all, spec.commandLine().getErr());
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            List<Map<String, Object>> list = new ArrayList<>();
            for (DeviceInfo d : all) {
                list.add(toMap(d, d == def));
            }
            out.println(new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(list));
        } else {
            printTable(out, all, def);
        }
        out.flush();
        return 0;
    }

    /**
     * The device the default selection picks (honouring SOFTMAX_CL_DEVICE), or null with a warning
     * when the configured spec matches nothing: listing devices is how a user finds the right spec.
     * Null, too, when every device is a simulator (none is a default; the table still lists them).
     */
    static DeviceInfo defaultDevice(List<DeviceInfo> all, PrintWriter err) {
        Optional<String> configured = Devices.configuredSpec();
        if (configured.isEmpty()) {
            return all.stream().allMatch(DeviceInfo::simulator) ? null : Devices.defaultDevice(all);
        }
        try {
            return Devices.match(all, configured.get());
        } catch (IllegalArgumentException e) {
            err.println("warning: " + Devices.ENV + "='" + configured.get() + "' matches no device");
            err.flush();
            return null;
        }
    }

    static Map<String, Object> toMap(DeviceInfo d, boolean isDefault) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", d.id());
        m.put("platformIndex", d.platformIndex());
        m.put("deviceIndex", d.deviceIndex());
        m.put("platform", d.platformName());
        m.put("name", d.name());
        m.put("vendor", d.vendor());
        m.put("type", d.type().name().toLowerCase(Locale.ROOT));
        m.put("computeUnits", d.computeUnits());
        m.put("clockMhz", d.clockMhz());
        m.put("globalMemBytes", d.globalMemBytes());
        m.put("localMemBytes", d.localMemBytes());
        m.put("maxAllocBytes", d.maxAllocBytes());
        m.put("maxWorkGroupSize", d.maxWorkGroupSize());
        m.put("fp64", d.fp64());
        m.put("hostUnifiedMemory", d.hostUnifiedMemory());
        m.put("simulator", d.simulator());
        m.put("openclCVersion", d.openclCVersion());
        m.put("deviceVersion", d.deviceVersion());
        m.put("driverVersion", d.driverVersion());
        m.put("default", isDefault);
        return m;
    }

    /** The text table, shared with {@code demo}. */
    static void printTable(PrintWriter out, List<DeviceInfo> all, DeviceInfo def) {
        String fmt = "%1s %-5s %-11s %-34s %4s %6s %10s %9s %10s %-4s %s%n";
        int platform = -1;
        for (DeviceInfo d : all) {
            if (d.platformIndex() != platform) {
                platform = d.platformIndex();
                out.printf("platform %d: %s%n", platform, d.platformName());
                out.printf(fmt, "", "id", "type", "name", "CUs", "MHz", "global", "local", "max alloc", "fp64",
                        "OpenCL C");
            }
            out.printf(fmt, d == def ? "*" : "", d.id(),
                    d.simulator() ? "simulator" : d.type().name().toLowerCase(Locale.ROOT), d.name(),
                    d.computeUnits(), d.clockMhz(), bytes(d.globalMemBytes()), bytes(d.localMemBytes()),
                    bytes(d.maxAllocBytes()), d.fp64() ? "yes" : "no", d.openclCVersion());
        }
        out.println(def == null ? "no default device: " + (Devices.configuredSpec().isPresent() ? Devices.ENV
                + " matches nothing" : "every device is a simulator; name one (--device oclgrind)")
                : "* default device" + Devices.configuredSpec().map(s -> " (" + Devices.ENV + "=" + s + ")").orElse(""));
    }

    /** @return a size with a binary unit, e.g. {@code 15.6 GiB} */
    static String bytes(long b) {
        String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int u = 0;
        while (v >= 1024 && u < units.length - 1) {
            v /= 1024;
            u++;
        }
        return u == 0 ? b + " B" : String.format(Locale.ROOT, "%.1f %s", v, units[u]);
    }
}
