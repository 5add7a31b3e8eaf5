/*
 * Tuned launch parameters for one device, keyed by row-length bucket and precision, and their
 * on-disk cache: one small properties file per (device, driver version) under
 * $SOFTMAX_CL_CACHE, else $XDG_CACHE_HOME/softmax-cl, else ~/.cache/softmax-cl. A properties file
 * keeps the library free of a JSON dependency. A missing or unreadable file means "no tuning": the
 * planner's shipped defaults apply.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Properties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Tuned plans for one device. Immutable. */
public final class Tuning {
    private static final Logger LOG = LoggerFactory.getLogger(Tuning.class);

    /** Environment variable naming the cache directory. */
    public static final String CACHE_ENV = "SOFTMAX_CL_CACHE";
    /** System property naming the cache directory (takes precedence over the environment). */
    public static final String CACHE_PROPERTY = "softmaxcl.cache";

    /** No tuned entries: every lookup falls back to the defaults. */
    public static final Tuning NONE = new Tuning(List.of());

    /** Row-length buckets: an entry tuned on a bucket's representative shape serves the whole bucket. */
    public enum Bucket {
        /** Up to 32 elements. */
        SHORT(32, 1_000_000, 10),
        /** 33 to 1024. */
        MEDIUM(1024, 16_384, 1000),
        /** 1025 to 16384. */
        LONG(16_384, 4096, 4096),
        /** 16385 to 262144. */
        VERY_LONG(262_144, 64, 262_144),
        /** More than 262144. */
        HUGE(Long.MAX_VALUE, 1, 16_777_216);

        private final long maxCols;
        private final int rows;
        private final int cols;

        Bucket(long maxCols, int rows, int cols) {
            this.maxCols = maxCols;
            this.rows = rows;
            this.cols = cols;
        }

        /** @return rows of the representative shape (64 MiB of float32 or less) */
        public int rows() {
            return rows;
        }

        /** @return row length of the representative shape */
        public int cols() {
            return cols;
        }

        /**
         * @param cols a row length
         * @return the bucket holding it
         */
        public static Bucket of(long cols) {
            for (Bucket b : values()) {
                if (cols <= b.maxCols) {
                    return b;
                }
            }
            return HUGE;
        }
    }

    /**
     * One tuned choice.
     *
     * @param bucket the row-length bucket
     * @param precision the precision
     * @param variant the winning variant
     * @param tunables its parameters
     * @param gbps the measured kernel GB/s on the bucket's shape
     */
    public record Entry(Bucket bucket, ElementType precision, Variant variant, Tunables tunables, double gbps) {}

    private final List<Entry> entries;

    /** @param entries the tuned entries (later entries for the same bucket and precision win) */
    public Tuning(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** @return the entries */
    public List<Entry> entries() {
        return entries;
    }

    /**
     * @param cols row length
     * @param precision precision
     * @return the tuned entry for this row length, or null
     */
    public Entry lookup(long cols, ElementType precision) {
        Bucket b = Bucket.of(cols);
        Entry found = null;
        for (Entry e : entries) {
            if (e.bucket() == b && e.precision() == precision) {
                found = e;
            }
        }
        return found;
    }

    /** @return the cache directory in effect */
    public static Path cacheDir() {
        String prop = System.getProperty(CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("softmax-cl");
    }

    /**
     * @param device a device
     * @return its cache file: the device name and driver version, made file-name safe
     */
    public static Path cacheFile(DeviceInfo device) {
        String key = (device.name() + "-" + device.driverVersion()).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]+", "_");
        return cacheDir().resolve("tuning-" + key + ".properties");
    }

    /**
     * Loads the device's tuning; a missing file gives {@link #NONE}, a damaged one is ignored with a warning.
     *
     * @param device the device
     * @return its tuning
     */
    public static Tuning load(DeviceInfo device) {
        Path file = cacheFile(device);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        Properties p = new Properties();
        try (InputStream in = Files.newInputStream(file)) {
            p.load(in);
            List<Entry> out = new ArrayList<>();
            for (String key : p.stringPropertyNames()) {
                out.add(parse(key, p.getProperty(key)));
            }
            out.sort((a, b) -> a.bucket().compareTo(b.bucket()) != 0 ? a.bucket().compareTo(b.bucket())
                    : a.precision().compareTo(b.precision()));
            LOG.debug("loaded {} tuned entries from {}", out.size(), file);
            return new Tuning(out);
        } catch (IOException | RuntimeException e) {
            LOG.warn("ignoring unreadable tuning file {}: {}", file, e.getMessage());
            return NONE;
        }
    }

    private static Entry parse(String key, String value) {
        String[] k = key.split("\\.");
        if (k.length != 2) {
            throw new IllegalArgumentException("bad key '" + key + "'");
        }
        String[] f = value.trim().split("\\s+");
        if (f.length != 6) {
            throw new IllegalArgumentException("bad entry '" + key + "=" + value + "'");
        }
        return new Entry(Bucket.valueOf(k[1].toUpperCase(Locale.ROOT)), ElementType.valueOf(k[0].toUpperCase(Locale.ROOT)),
                Variant.valueOf(f[0]), new Tunables(Integer.parseInt(f[1]), Integer.parseInt(f[2]),
                        Integer.parseInt(f[3]), Long.parseLong(f[4])), Double.parseDouble(f[5]));
    }

    /**
     * Writes this tuning as the device's cache file, atomically (temporary file, then rename).
     *
     * @param device the device
     * @return the file written
     * @throws IOException if the file cannot be written; an existing file is then untouched
     */
    public Path save(DeviceInfo device) throws IOException {
        Path file = cacheFile(device);
        Files.createDirectories(file.getParent());
        List<String> lines = new ArrayList<>();
        for (Entry e : entries) {
            Tunables t = e.tunables();
            lines.add(e.precision().name().toLowerCase(Locale.ROOT) + "." + e.bucket().name().toLowerCase(Locale.ROOT)
                    + "=" + e.variant() + " " + t.vec() + " " + t.local() + " " + t.wg() + " " + t.grain() + " "
                    + String.format(Locale.ROOT, "%.2f", e.gbps()));
        }
        Collections.sort(lines);
        lines.add(0, "# softmax-cl tuning for " + device.name() + " (driver " + device.driverVersion() + ")");
        lines.add(1, "# precision.bucket=variant vec local wg grain GB/s; delete this file to return to the defaults");
        Path temp = Files.createTempFile(file.getParent(), "." + file.getFileName(), ".tmp");
        try {
            Files.write(temp, lines, java.nio.charset.StandardCharsets.ISO_8859_1);
            try {
                Files.move(temp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING);
            }
        } finally {
            Files.deleteIfExists(temp);
        }
        return file;
    }
}
