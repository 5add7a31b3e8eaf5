/*
 * A device group's speeds, measured once per set of devices: every device runs its part of one
 * float32 batch (4096 x 1024, from Java arrays, end to end) while all run at once, because that is
 * how the group uses them (devices that share host cores or memory bandwidth slow each other down,
 * and a device measured alone would be overrated). The split starts equal and is set from the
 * measured speeds round after round until every device takes about as long as the others.
 *
 * The result is kept in memory for the JVM, and (unless tuning is off) in the tuning cache
 * directory as group-HASH.properties, so later groups and later runs of the command line on the
 * same devices start at once. Like the tuning file, that file is outside the library's control: a
 * file that does not name exactly this set of devices with finite positive speeds is ignored with
 * one warning, and the devices are measured again.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.kernel.Tuning;
import io.github.softmaxcl.files.OutputFile;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Measures, remembers and saves the speeds of a device group's devices. */
public final class Calibration {
    private static final Logger LOG = LoggerFactory.getLogger(io.github.softmaxcl.SoftmaxGroup.class);
    /** The calibration batch: 16 MiB of float32 in, 16 MiB out. */
    public static final int ROWS = 4096;
    /** Its row length. */
    public static final int COLS = 1024;
    static final int MAX_ROUNDS = 4;
    static final int RUNS = 2;
    /** Rounds stop once the slowest part takes at most this much longer than the fastest. */
    static final double BALANCED = 1.10;
    private static final Map<String, double[]> MEMORY = new ConcurrentHashMap<>();
    /** One calibration at a time in a JVM: two at once would each measure the other's load. */
    private static final Object LOCK = new Object();

    private Calibration() {}

    /**
     * The speeds of the group's devices: remembered in this JVM, else read from the cache file
     * (when {@code useFile}), else measured now (and then remembered and, when {@code useFile}, saved).
     *
     * @param g the group
     * @param useFile whether to read and write the cache file
     * @return one speed per device, in GB/s of the calibration batch
     * @throws io.github.softmaxcl.SoftmaxException naming the device if one fails while measured
     */
    public static double[] speeds(GroupCore g, boolean useFile) {
        List<DeviceInfo> devices = g.devices();
        String key = key(devices) + (useFile ? "" : " without tuning");
        synchronized (LOCK) {
            double[] known = MEMORY.get(key);
            if (known == null && useFile) {
                known = read(file(devices), devices);
            }
            if (known == null) {
                known = measure(g);
                remember(devices, known, useFile);
            } else {
                MEMORY.put(key, known);
            }
            return known.clone();
        }
    }

    /**
     * Keeps speeds for this set of devices in memory and, when {@code useFile}, in the cache file
     * (a file that cannot be written costs a warning, not the call).
     *
     * @param devices the devices
     * @param speeds their speeds
     * @param useFile whether to write the cache file
     */
    public static void remember(List<DeviceInfo> devices, double[] speeds, boolean useFile) {
        MEMORY.put(key(devices) + (useFile ? "" : " without tuning"), speeds.clone());
        if (useFile) {
            Path file = file(devices);
            try {
                Files.createDirectories(file.getParent());
                byte[] text = text(devices, speeds);
                OutputFile.write(file, out -> out.write(text));
                LOG.debug("saved the group's calibration in {}", file);
            } catch (IOException e) {
                LOG.warn("cannot save the device group's calibration in {} ({}); it is measured again in the"
                        + " next process", file, e.toString());
            }
        }
    }

    /**
     * Measures the devices while all run at once (see the file comment).
     *
     * @param g the group
     * @return one speed per device, GB/s of the calibration batch (input and output bytes)
     * @throws io.github.softmaxcl.SoftmaxException naming the device if one fails
     */
    public static double[] measure(GroupCore g) {
        int n = g.cores().length;
        float[] x = new float[ROWS * COLS];
        for (int i = 0; i < x.length; i++) {
            x[i] = (i * 37 % 1001) * 0.01f; // spread-out logits; the speed does not depend on them
        }
        HostData hx = HostData.ofArray(x, (short) 0);
        HostData hy = HostData.ofArray(new float[x.length], (short) 0);
        long[] shape = {ROWS, COLS};
        synchronized (LOCK) {
            // Each device alone once: kernels built, buffers sized for any part, pages touched.
            for (int i = 0; i < n; i++) {
                double[] only = new double[n];
                only[i] = 1;
                g.forward(g.plan(OpSpec.SOFTMAX, ElementType.FLOAT32, shape, true, only), null, hx, hy);
            }
            double[] speed = new double[n];
            Arrays.fill(speed, 1);
            for (int round = 0; round < MAX_ROUNDS; round++) {
                GroupCore.Planned p = g.plan(OpSpec.SOFTMAX, ElementType.FLOAT32, shape, false, speed);
                long[] best = new long[n];
                Arrays.fill(best, Long.MAX_VALUE);
                for (int r = 0; r < RUNS; r++) {
                    long[] t = g.forward(p, null, hx, hy);
                    for (int i = 0; i < n; i++) {
                        best[i] = Math.min(best[i], t[i]);
                    }
                }
                double slowest = 0;
                double fastest = Double.MAX_VALUE;
                for (int i = 0; i < n; i++) {
                    if (p.units()[i] > 0) {
                        speed[i] = 2.0 * p.units()[i] * COLS * Float.BYTES / Math.max(1, best[i]);
                        slowest = Math.max(slowest, best[i]);
                        fastest = Math.min(fastest, best[i]);
                    }
                }
                LOG.debug("calibration round {}: rows {}, ms {}, GB/s {}", round, Arrays.toString(p.units()),
                        Arrays.stream(best).mapToObj(t -> String.format(Locale.ROOT, "%.2f", t / 1e6)).toList(),
                        Arrays.toString(speed));
                if (round > 0 && slowest <= BALANCED * fastest) {
                    break;
                }
            }
            return speed;
        }
    }

    /** The set of devices as calibrated: position, identity and driver of each. */
    static String key(List<DeviceInfo> devices) {
        return devices.stream().map(d -> d.id() + " " + d.name() + " (driver " + d.driverVersion() + ")")
                .collect(Collectors.joining("; "));
    }

    /**
     * @param devices the devices of a group
     * @return their calibration file in the tuning cache directory
     */
    public static Path file(List<DeviceInfo> devices) {
        // String.hashCode is specified, so every JVM finds the same file; the file names its devices.
        return Tuning.cacheDir().resolve(String.format(Locale.ROOT, "group-%08x.properties", key(devices).hashCode()));
    }

    private static byte[] text(List<DeviceInfo> devices, double[] speeds) {
        StringBuilder b = new StringBuilder();
        b.append("# softmax-cl device group calibration: GB/s of float32 softmax (").append(ROWS).append(" x ")
                .append(COLS).append(", Java arrays, end to end)\n");
        b.append("# of each device while all run at once; delete this file to measure again\n");
        b.append("devices=").append(key(devices).replaceAll("[\\p{Cntrl}]", "?")).append('\n');
        for (int i = 0; i < devices.size(); i++) {
            b.append(devices.get(i).id()).append('=').append(String.format(Locale.ROOT, "%.4g", speeds[i]))
                    .append('\n');
        }
        return b.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** @return the speeds in the file, or null (with one warning if the file exists but does not fit) */
    static double[] read(Path file, List<DeviceInfo> devices) {
        if (!Files.isRegularFile(file)) {
            return null;
        }
        try {
            if (Files.size(file) > 1 << 16) {
                throw new IllegalArgumentException("it is " + Files.size(file) + " bytes long");
            }
            Map<String, String> values = new LinkedHashMap<>();
            for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
                String l = line.strip();
                if (l.isEmpty() || l.startsWith("#")) {
                    continue;
                }
                int eq = l.indexOf('=');
                if (eq < 0) {
                    throw new IllegalArgumentException("line '" + l + "' is not KEY=VALUE");
                }
                values.put(l.substring(0, eq).strip(), l.substring(eq + 1).strip());
            }
            String named = values.remove("devices");
            String expected = key(devices).replaceAll("[\\p{Cntrl}]", "?");
            if (!expected.equals(named)) {
                throw new IllegalArgumentException("it is for devices '" + named + "', not '" + expected + "'");
            }
            double[] speeds = new double[devices.size()];
            for (int i = 0; i < speeds.length; i++) {
                String id = devices.get(i).id();
                String v = values.remove(id);
                if (v == null) {
                    throw new IllegalArgumentException("it has no line for device " + id);
                }
                double s;
                try {
                    s = Double.parseDouble(v);
                } catch (NumberFormatException e) {
                    s = Double.NaN;
                }
                if (!(s > 0) || Double.isInfinite(s)) {
                    throw new IllegalArgumentException("device " + id + " has speed '" + v
                            + "', expected a finite number > 0");
                }
                speeds[i] = s;
            }
            if (!values.isEmpty()) {
                throw new IllegalArgumentException("unexpected keys " + values.keySet());
            }
            return speeds;
        } catch (IOException | IllegalArgumentException e) {
            // The file may hold anything: keep its control bytes (terminal escapes among them) out of the log.
            LOG.warn("ignoring the device group calibration in {}: {}; measuring again", file,
                    String.valueOf(e.getMessage()).replaceAll("[\\p{Cntrl}\\u0080-\\u009f]", "?"));
            return null;
        }
    }
}
