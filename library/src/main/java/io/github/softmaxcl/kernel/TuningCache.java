/*
 * The tuning cache on disk: one small text file per (device, driver version) under
 * $SOFTMAX_CL_CACHE, else $XDG_CACHE_HOME/softmax-cl, else ~/.cache/softmax-cl, one line
 * `precision.bucket=VARIANT vec local wg grain GB/s` per entry (a properties-like format, which keeps
 * the library free of a JSON dependency).
 *
 * The file is outside the library's control: anyone can edit it, an older or newer version may
 * have written it, the device may have changed under the same name. So every entry is checked on
 * load against the device, by the same code that plans (Tunables' ranges, Planner.configure, the
 * variants TuningSpace searches on this kind of device), and a bad entry is dropped with one warning
 * naming the file and line: the engine then plans that bucket with its defaults. Nothing in the file
 * can make loading throw.
 *
 * Writers hold an exclusive lock on a lock file beside the cache file (and a lock in this JVM, since
 * file locks are per process) while they re-read, merge and replace it; the file itself is written
 * through OutputFile, so readers only ever see a whole old or a whole new file.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.kernel.Tuning.Bucket;
import io.github.softmaxcl.kernel.Tuning.Entry;
import io.github.softmaxcl.files.OutputFile;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.stream.Collectors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reads, validates and writes tuning cache files. */
final class TuningCache {
    /** Users know the cache as Tuning's: log under its name. */
    private static final Logger LOG = LoggerFactory.getLogger(Tuning.class);
    /** Bad lines reported one by one; a file of garbage gets a count after these, not a flood. */
    static final int MAX_WARNINGS = 20;
    /** Larger files are not read at all: no cache file the library writes comes near. */
    private static final long MAX_FILE_BYTES = 1 << 20;
    /** Longest part of a bad line quoted in its warning. */
    private static final int MAX_QUOTED = 100;
    private static final int NAME_MAX_BYTES = 255;
    private static final String PREFIX = "tuning-";
    private static final String SUFFIX = ".properties";
    private static final String LOCK_SUFFIX = ".lock";
    private static final String FORMAT = "precision.bucket=variant vec local wg grain GB/s";
    /**
     * Warnings already given in this JVM: every engine loads the cache, and an application that opens
     * engines one after another (verify opens one per variant) should hear about a bad line once.
     */
    private static final Set<String> WARNED = ConcurrentHashMap.newKeySet();
    /** File locks are held per process: threads of this JVM take turns here first. */
    private static final Object SAVE_LOCK = new Object();

    private TuningCache() {}

    private record Key(Bucket bucket, ElementType precision) {
        static Key of(Entry e) {
            return new Key(e.bucket(), e.precision());
        }
    }

    static Path dir() {
        String prop = System.getProperty(Tuning.CACHE_PROPERTY);
        if (prop != null && !prop.isBlank()) {
            return Path.of(prop);
        }
        String env = System.getenv(Tuning.CACHE_ENV);
        if (env != null && !env.isBlank()) {
            return Path.of(env);
        }
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("softmax-cl");
    }

    static Path file(DeviceInfo device) {
        String key = (device.name() + "-" + device.driverVersion()).toLowerCase(Locale.ROOT)
                .replaceAll("[^a-z0-9._-]+", "_"); // ASCII only from here: one byte per character
        int room = NAME_MAX_BYTES - PREFIX.length() - SUFFIX.length() - LOCK_SUFFIX.length();
        if (key.length() > room) {
            // String.hashCode is specified, so every JVM and version finds the same file.
            String hash = String.format(Locale.ROOT, "-%08x", key.hashCode());
            key = key.substring(0, room - hash.length()) + hash;
        }
        return dir().resolve(PREFIX + key + SUFFIX);
    }

    private static Path lockFile(Path file) {
        return file.resolveSibling(file.getFileName() + LOCK_SUFFIX);
    }

    static Tuning load(DeviceInfo device) {
        Path file = file(device);
        Tuning t = read(file, device, message -> {
            if (WARNED.add(message)) {
                LOG.warn(message);
            }
        });
        if (!t.entries().isEmpty()) {
            LOG.debug("loaded {} tuned entries from {}", t.entries().size(), file);
        }
        return t;
    }

    /**
     * Reads a cache file, keeping the entries valid on {@code device}. Each ignored line is reported
     * once to {@code warn} as "FILE:LINE: ...", up to {@link #MAX_WARNINGS}, then one count of the
     * rest. For a key given twice, the later line wins.
     */
    static Tuning read(Path file, DeviceInfo device, Consumer<String> warn) {
        if (!Files.isRegularFile(file)) {
            return Tuning.NONE;
        }
        List<String> lines;
        try {
            long size = Files.size(file);
            if (size > MAX_FILE_BYTES) {
                warn.accept("ignoring tuning file " + file + ": it is " + size + " bytes long, and a tuning file"
                        + " holds a few dozen short lines; the defaults apply");
                return Tuning.NONE;
            }
            // ISO-8859-1 decodes any bytes, so a damaged file still yields lines to judge one by one.
            lines = Files.readAllLines(file, StandardCharsets.ISO_8859_1);
        } catch (IOException e) {
            warn.accept("ignoring tuning file " + file + ": cannot read it (" + e + "); the defaults apply");
            return Tuning.NONE;
        }
        Map<Key, Entry> entries = new LinkedHashMap<>();
        int bad = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i).strip();
            if (line.isEmpty() || line.startsWith("#") || line.startsWith("!")) {
                continue;
            }
            try {
                Entry e = parse(line);
                check(e, device);
                entries.put(Key.of(e), e);
            } catch (IllegalArgumentException e) {
                if (++bad <= MAX_WARNINGS) {
                    warn.accept(printable(file + ":" + (i + 1) + ": ignored tuning entry '" + shortened(line) + "': "
                            + e.getMessage() + " (fix or delete the line, or run `softmax tune` again)"));
                }
            }
        }
        if (bad > MAX_WARNINGS) {
            warn.accept(file + ": ignored " + (bad - MAX_WARNINGS) + " more bad lines");
        }
        return new Tuning(sorted(entries.values()));
    }

    private static String shortened(String line) {
        return line.length() > MAX_QUOTED ? line.substring(0, MAX_QUOTED) + "..." : line;
    }

    /** Keeps a damaged file's control bytes (terminal escapes among them) out of the log. */
    private static String printable(String s) {
        return s.replaceAll("[\\p{Cntrl}\\u0080-\\u009f]", "?");
    }

    private static List<Entry> sorted(Collection<Entry> entries) {
        List<Entry> out = new ArrayList<>(entries);
        out.sort(Comparator.comparing(Entry::bucket).thenComparing(Entry::precision));
        return out;
    }

    /** One line, without its line number; the message names the bad value. */
    static Entry parse(String line) {
        int eq = line.indexOf('=');
        if (eq < 0) {
            throw new IllegalArgumentException("expected " + FORMAT);
        }
        String key = line.substring(0, eq).strip();
        String value = line.substring(eq + 1).strip();
        String[] k = key.split("\\.", -1);
        if (k.length != 2) {
            throw new IllegalArgumentException("key '" + key + "' is not precision.bucket");
        }
        ElementType precision = named(ElementType.class, k[0], "precision");
        Bucket bucket = named(Bucket.class, k[1], "bucket");
        String[] f = value.isEmpty() ? new String[0] : value.split("\\s+");
        if (f.length != 6) {
            throw new IllegalArgumentException("expected 6 fields after '=' (variant vec local wg grain GB/s), got "
                    + f.length);
        }
        Variant variant = named(Variant.class, f[0], "variant");
        Tunables t = new Tunables(integer(f[1], "vec"), integer(f[2], "local"), integer(f[3], "wg"),
                whole(f[4], "grain"));
        double gbps;
        try {
            gbps = Double.parseDouble(f[5]);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("GB/s '" + f[5] + "' is not a number");
        }
        return new Entry(bucket, precision, variant, t, gbps);
    }

    private static <E extends Enum<E>> E named(Class<E> type, String text, String what) {
        for (E e : type.getEnumConstants()) {
            if (e.name().equalsIgnoreCase(text)) {
                return e;
            }
        }
        throw new IllegalArgumentException("unknown " + what + " '" + text + "' (expected one of "
                + Arrays.stream(type.getEnumConstants()).map(e -> e.name().toLowerCase(Locale.ROOT))
                        .collect(Collectors.joining(", ")) + ")");
    }

    private static int integer(String text, String field) {
        try {
            return Integer.parseInt(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " '" + text + "' is not a whole number from 0 to "
                    + Integer.MAX_VALUE);
        }
    }

    private static long whole(String text, String field) {
        try {
            return Long.parseLong(text);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(field + " '" + text + "' is not a whole number from 0 to "
                    + Tunables.MAX_GRAIN);
        }
    }

    /**
     * Whether the planner can use an entry on this device, decided by the planner itself: the
     * variant must be one the tuner searches on this kind of device, and Planner.configure must
     * accept its tunables on the shortest row of its bucket (a longer row the variant cannot take
     * falls back to the defaults when planned; an entry that cannot take even the shortest serves
     * nothing).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    static void check(Entry e, DeviceInfo device) {
        ElementType p = e.precision();
        if (p.computeType() != p) {
            throw new IllegalArgumentException(lower(p) + " entries are never used: " + lower(p)
                    + " data plans with the " + lower(p.computeType()) + " entries");
        }
        if (!Double.isFinite(e.gbps()) || e.gbps() <= 0) {
            throw new IllegalArgumentException("GB/s must be a finite number > 0, got " + e.gbps());
        }
        List<Variant> searched = TuningSpace.variants(device);
        if (!searched.contains(e.variant())) {
            throw new IllegalArgumentException("variant " + e.variant() + " is not used on " + device.type()
                    + " devices (the tuner searches " + searched + " there)");
        }
        long cols = e.bucket().minCols();
        try {
            Planner.configure(e.variant(), e.bucket().rows(), cols, p, device, 0, e.tunables());
        } catch (RuntimeException ex) { // any failure of the planner's own arithmetic counts as a refusal
            throw new IllegalArgumentException("the planner cannot use it for rows of " + cols + " elements (the"
                    + " shortest of bucket " + lower(e.bucket()) + ") on this device: " + ex.getMessage());
        }
    }

    private static String lower(Enum<?> e) {
        return e.name().toLowerCase(Locale.ROOT);
    }

    static String format(Entry e) {
        Tunables t = e.tunables();
        // Two decimals, as people read speeds; a speed too small for them keeps every digit, since
        // "0.00" would read back as an invalid zero.
        String gbps = e.gbps() >= 0.005 ? String.format(Locale.ROOT, "%.2f", e.gbps()) : Double.toString(e.gbps());
        return lower(e.precision()) + "." + lower(e.bucket()) + "=" + e.variant() + " " + t.vec() + " " + t.local()
                + " " + t.wg() + " " + t.grain() + " " + gbps;
    }

    static Path save(Tuning tuning, DeviceInfo device) throws IOException {
        for (Entry e : tuning.entries()) {
            try {
                check(e, device);
            } catch (IllegalArgumentException ex) {
                throw new IllegalArgumentException("cannot save tuning entry '" + format(e) + "': " + ex.getMessage(),
                        ex);
            }
        }
        Path file = file(device);
        try {
            Files.createDirectories(file.getParent());
        } catch (IOException e) {
            throw new IOException("cannot create the tuning cache directory " + file.getParent() + ": " + e, e);
        }
        synchronized (SAVE_LOCK) {
            try (FileChannel channel = openLockFile(file)) {
                lock(channel); // held until the channel closes
                // Re-read under the lock, so entries another writer saved since this run loaded are kept.
                Map<Key, Entry> merged = new LinkedHashMap<>();
                for (Entry e : read(file, device, LOG::debug).entries()) {
                    merged.put(Key.of(e), e);
                }
                for (Entry e : tuning.entries()) {
                    merged.put(Key.of(e), e);
                }
                byte[] text = text(sorted(merged.values()), device);
                OutputFile.write(file, out -> out.write(text));
            }
        }
        return file;
    }

    private static FileChannel openLockFile(Path file) throws IOException {
        Path lock = lockFile(file);
        try {
            return FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
        } catch (IOException e) {
            throw new IOException("cannot write " + file + ": cannot open its lock file " + lock + " (" + e + ")", e);
        }
    }

    /** Waits for the exclusive lock; a file system without locks goes on unlocked (renames still keep files whole). */
    private static void lock(FileChannel channel) {
        try {
            channel.lock();
        } catch (IOException e) {
            LOG.debug("no file locks here ({}); saving the tuning cache unlocked", e.toString());
        }
    }

    private static byte[] text(List<Entry> entries, DeviceInfo device) {
        StringBuilder b = new StringBuilder();
        String about = device.name() + " (driver " + device.driverVersion() + ")";
        b.append("# softmax-cl tuning for ").append(printable(about)).append('\n');
        b.append("# ").append(FORMAT).append("; delete this file to return to the defaults\n");
        for (Entry e : entries) {
            b.append(format(e)).append('\n');
        }
        return b.toString().getBytes(StandardCharsets.ISO_8859_1);
    }
}
