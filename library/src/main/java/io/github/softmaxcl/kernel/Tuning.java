/*
 * Tuned launch parameters for one device, keyed by row-length bucket and precision. They live in a
 * small on-disk cache per (device, driver version), read and written by TuningCache (validation,
 * locking, whole-file writes); this class is the immutable set of entries the planner looks up, and
 * the public face of the cache for the engine and `softmax tune`.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Tuned plans for one device. Immutable. */
public final class Tuning {
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

        /** @return the shortest row length in this bucket */
        public long minCols() {
            return ordinal() == 0 ? 1 : values()[ordinal() - 1].maxCols + 1;
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

    /**
     * @return the cache directory in effect: the {@value #CACHE_PROPERTY} system property, else
     *         ${@value #CACHE_ENV}, else $XDG_CACHE_HOME/softmax-cl, else ~/.cache/softmax-cl
     */
    public static Path cacheDir() {
        return TuningCache.dir();
    }

    /**
     * @param device a device
     * @return its cache file: the device name and driver version, made file-name safe (and shortened
     *         with a hash when very long, so the file and its lock file fit the 255-byte name limit)
     */
    public static Path cacheFile(DeviceInfo device) {
        return TuningCache.file(device);
    }

    /**
     * Loads the device's tuning. A missing file gives {@link #NONE}; an unreadable one is ignored with
     * a warning; each entry is checked against the device (its ranges, the planner's limits, the
     * variants tuned on this kind of device), and each bad one is ignored with one warning naming
     * the file and line. Never throws for anything in the file.
     *
     * @param device the device
     * @return its valid tuned entries
     */
    public static Tuning load(DeviceInfo device) {
        return TuningCache.load(device);
    }

    /**
     * Writes these entries to the device's cache file, whole or not at all, keeping the entries
     * already there for other (bucket, precision) pairs: two tuning runs saving at once (threads or
     * processes) take turns under a lock and both keep their results.
     *
     * @param device the device
     * @return the file written
     * @throws IllegalArgumentException if an entry is not valid on this device (it would be ignored on
     *                                  load); the message names it
     * @throws IOException if the file cannot be written; an existing file is then untouched
     */
    public Path save(DeviceInfo device) throws IOException {
        return TuningCache.save(this, device);
    }
}
