/*
 * The tuning cache file on synthetic devices (so both device kinds are checked on any machine): each
 * bad entry (absurd, negative, zero, huge, a variant wrong for the device, non-numeric, malformed) is
 * ignored with one warning naming the file and line while the good entries around it are kept; saves
 * from several threads, or several processes, at once leave a whole file holding every writer's last
 * entry; saves go through OutputFile (a killed writer's temporary file removed, permissions kept,
 * names that fit). The engine on the real device with such a file is tested in bench.TunerTest.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.params.provider.Arguments.arguments;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.DeviceType;
import io.github.softmaxcl.kernel.Tuning.Bucket;
import io.github.softmaxcl.kernel.Tuning.Entry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class TuningCacheTest {
    private static final DeviceInfo CPU = device("Test CPU", DeviceType.CPU, 4096);
    private static final DeviceInfo GPU = device("Test GPU", DeviceType.GPU, 256);

    @TempDir
    Path cache;
    private String old;

    static DeviceInfo device(String name, DeviceType type, long maxWorkGroup) {
        return new DeviceInfo(0, 0, "platform", name, "vendor", type, 2, 1000, 1L << 30, 65536, 1L << 28, maxWorkGroup,
                true, true, false, "OpenCL 3.0", "OpenCL C 1.2", "1.0", null, null);
    }

    @BeforeEach
    void useTempCache() {
        old = System.getProperty(Tuning.CACHE_PROPERTY);
        System.setProperty(Tuning.CACHE_PROPERTY, cache.toString());
    }

    @AfterEach
    void restore() {
        if (old == null) {
            System.clearProperty(Tuning.CACHE_PROPERTY);
        } else {
            System.setProperty(Tuning.CACHE_PROPERTY, old);
        }
    }

    private static List<String> lines(Tuning t) {
        return t.entries().stream().map(TuningCache::format).collect(Collectors.toList());
    }

    static Stream<Arguments> badEntries() {
        String absurd = "float32.medium=SPLIT 0 0 256 72057594037927936 1.0";
        return Stream.of(
                // The reported entry: 256 x 2^56 overflowed to 0, and planning divided by it.
                arguments(CPU, absurd, "grain must be at most 1073741824, got 72057594037927936"),
                arguments(GPU, absurd, "grain must be at most 1073741824, got 72057594037927936"),
                arguments(CPU, "float32.short=TILE 16 -1 0 0 1.0", "local=-1"),
                arguments(CPU, "float32.long=VECTOR 16 0 0 -1024 1.0", "grain=-1024"),
                arguments(CPU, "float32.long=VECTOR 16 0 0 0 0", "GB/s must be a finite number > 0, got 0.0"),
                arguments(CPU, "float32.long=VECTOR 16 0 0 0 -3.5", "GB/s must be a finite number > 0, got -3.5"),
                arguments(CPU, "float32.long=VECTOR 16 0 0 0 NaN", "GB/s must be a finite number > 0, got NaN"),
                arguments(CPU, "float32.long=VECTOR 16 0 0 0 1e999", "GB/s must be a finite number > 0, got Infinity"),
                arguments(CPU, "float64.medium=VECTOR 8 0 65536 0 1.0",
                        "work-group size 65536 exceeds the device's maximum 4096"),
                arguments(GPU, "float32.medium=REGISTERS 0 0 512 0 1.0",
                        "work-group size 512 exceeds the device's maximum 256"),
                arguments(CPU, "float32.medium=VECTOR 32 0 0 0 1.0", "vector width must be 2, 4, 8 or 16, got 32"),
                arguments(CPU, "float32.medium=VECTOR 16 0 96 0 1.0", "work-group size must be a power of two, got 96"),
                arguments(CPU, "float32.very_long=SPLIT 0 0 0 0 1.0", "variant SPLIT is not used on CPU devices"),
                arguments(CPU, "float32.short=ROWS 0 64 0 0 1.0", "variant ROWS is not used on CPU devices"),
                arguments(CPU, "float32.medium=REGISTERS 0 0 64 0 1.0", "variant REGISTERS is not used on CPU devices"),
                arguments(CPU, "float32.long=TILE 16 0 0 0 1.0",
                        "rows of 1025 elements (the shortest of bucket long) on this device: variant TILE handles"
                                + " rows of at most 64 elements"),
                arguments(GPU, "float32.huge=REGISTERS 0 0 64 0 1.0", "holds at most 1024 elements per row"),
                arguments(CPU, "float32.huge=CHUNKS 16 0 0 1 1.0", "split must be between 1 and 65536, got 1048580"),
                arguments(CPU, "float32.huge=CHUNKS sixteen 0 0 0 1.0", "vec 'sixteen' is not a whole number"),
                arguments(CPU, "float32.huge=CHUNKS 16 0 4294967296 0 1.0", "wg '4294967296' is not a whole number"),
                arguments(CPU, "float32.huge=CHUNKS 16 0 0 99999999999999999999 1.0",
                        "grain '99999999999999999999' is not a whole number"),
                arguments(CPU, "float32.huge=CHUNKS 16 0 0 0 fast", "GB/s 'fast' is not a number"),
                arguments(CPU, "float32.medium=VECTOR 16 0 0 1.0", "expected 6 fields"),
                arguments(CPU, "float32.medium=",
                        "expected 6 fields after '=' (variant vec local wg grain GB/s), got 0"),
                arguments(CPU, "float32.medium VECTOR 16 0 0 0 1.0", "expected precision.bucket=variant"),
                arguments(CPU, "medium=VECTOR 16 0 0 0 1.0", "key 'medium' is not precision.bucket"),
                arguments(CPU, "float32.giant=VECTOR 16 0 0 0 1.0", "unknown bucket 'giant'"),
                arguments(CPU, "float32.medium=WARP 16 0 0 0 1.0", "unknown variant 'WARP'"),
                arguments(CPU, "float16.medium=VECTOR 16 0 0 0 1.0", "float16 entries are never used"));
    }

    @ParameterizedTest
    @MethodSource("badEntries")
    void aBadEntryIsIgnoredWithOneWarningNamingTheFileAndLine(DeviceInfo device, String line, String reason)
            throws IOException {
        List<String> good = List.of("float32.short=VECTOR 8 0 0 0 12.50", "float64.huge=CHUNKS 8 0 0 0 3.25");
        Path file = Files.writeString(cache.resolve("tuning-test.properties"),
                "# hand-edited\n" + good.get(0) + "\n" + line + "\n" + good.get(1) + "\n");
        List<String> warnings = new ArrayList<>();
        Tuning t = TuningCache.read(file, device, warnings::add);
        assertEquals(1, warnings.size(), warnings::toString);
        String w = warnings.get(0);
        assertTrue(w.startsWith(file + ":3: ignored tuning entry '" + line + "': "), w);
        assertTrue(w.contains(reason), w);
        assertEquals(good, lines(t), "the entries around the bad one are kept");
    }

    @Test
    void everyBadLineIsReportedOnceWithItsLineNumberAndAFloodIsCounted() throws IOException {
        StringBuilder text = new StringBuilder("# header\n\n");
        for (int i = 0; i < TuningCache.MAX_WARNINGS + 5; i++) {
            text.append("float32.medium=VECTOR 16 0 0 0 0\n");
        }
        text.append("float32.medium=VECTOR 4 0 0 0 7.00\n");
        Path file = Files.writeString(cache.resolve("tuning-flood.properties"), text);
        List<String> warnings = new ArrayList<>();
        Tuning t = TuningCache.read(file, CPU, warnings::add);
        assertEquals(TuningCache.MAX_WARNINGS + 1, warnings.size());
        for (int i = 0; i < TuningCache.MAX_WARNINGS; i++) {
            assertTrue(warnings.get(i).startsWith(file + ":" + (i + 3) + ": "), warnings.get(i));
        }
        assertEquals(file + ": ignored 5 more bad lines", warnings.get(TuningCache.MAX_WARNINGS));
        assertEquals(List.of("float32.medium=VECTOR 4 0 0 0 7.00"), lines(t));
    }

    @Test
    void binaryGarbageIsIgnoredLineByLineWithoutEchoingControlCharacters() throws IOException {
        Path file = Files.write(cache.resolve("tuning-garbage.properties"),
                new byte[] {0, 1, 2, (byte) 0xff, '=', 27, '[', '2', 'J', '\n', (byte) 0x9b, '\n'});
        List<String> warnings = new ArrayList<>();
        assertTrue(TuningCache.read(file, CPU, warnings::add).entries().isEmpty());
        assertEquals(2, warnings.size(), warnings::toString);
        for (String w : warnings) {
            assertFalse(w.chars().anyMatch(c -> Character.isISOControl(c)), w);
        }
    }

    @Test
    void aFileFarLargerThanAnyCacheIsNotReadAtAll() throws IOException {
        Path file = Files.writeString(cache.resolve("tuning-big.properties"), "#".repeat((1 << 20) + 1));
        List<String> warnings = new ArrayList<>();
        assertTrue(TuningCache.read(file, CPU, warnings::add).entries().isEmpty());
        assertEquals(List.of("ignoring tuning file " + file + ": it is 1048577 bytes long, and a tuning file holds a"
                + " few dozen short lines; the defaults apply"), warnings);
    }

    @Test
    void whatTheTunerSavesLoadsBackWhole() throws IOException {
        List<Entry> entries = List.of(
                new Entry(Bucket.SHORT, ElementType.FLOAT32, Variant.TILE, new Tunables(16, 4, 0, 0), 31.25),
                new Entry(Bucket.MEDIUM, ElementType.FLOAT32, Variant.VECTOR, new Tunables(8, 1, 0, 0), 0.001),
                new Entry(Bucket.HUGE, ElementType.FLOAT64, Variant.CHUNKS, new Tunables(8, 4, 0, 1 << 20), 12.0));
        Path file = new Tuning(entries).save(CPU);
        assertEquals(Tuning.cacheFile(CPU), file);
        List<String> warnings = new ArrayList<>();
        Tuning back = TuningCache.read(file, CPU, warnings::add);
        assertEquals(List.of(), warnings);
        assertEquals(entries, back.entries(), "a speed below 0.005 GB/s keeps its digits instead of reading 0.00");
        assertEquals(entries, Tuning.load(CPU).entries());
    }

    @Test
    void savingAnEntryThatLoadWouldIgnoreIsRefused() {
        Tuning t = new Tuning(List.of(new Entry(Bucket.LONG, ElementType.FLOAT32, Variant.SPLIT, Tunables.DEFAULTS,
                5.0)));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> t.save(CPU));
        assertTrue(e.getMessage().startsWith(
                "cannot save tuning entry 'float32.long=SPLIT 0 0 0 0 5.00': variant SPLIT"), e.getMessage());
        assertFalse(Files.exists(Tuning.cacheFile(CPU)));
    }

    @Test
    void concurrentSavesLeaveAWholeFileWithEveryWritersEntry() throws Exception {
        Bucket[] buckets = Bucket.values();
        int saves = 20;
        CyclicBarrier start = new CyclicBarrier(buckets.length + 1);
        AtomicBoolean writing = new AtomicBoolean(true);
        ExecutorService pool = Executors.newFixedThreadPool(buckets.length + 1);
        try {
            List<Future<?>> writers = new ArrayList<>();
            for (Bucket b : buckets) {
                writers.add(pool.submit(() -> {
                    start.await();
                    for (int i = 1; i <= saves; i++) {
                        new Tuning(List.of(new Entry(b, ElementType.FLOAT32, Variant.VECTOR, Tunables.DEFAULTS, i)))
                                .save(CPU);
                    }
                    return null;
                }));
            }
            List<String> torn = Collections.synchronizedList(new ArrayList<>());
            Future<Integer> reader = pool.submit(() -> {
                start.await();
                int reads = 0;
                Path file = Tuning.cacheFile(CPU);
                while (writing.get()) {
                    if (Files.exists(file)) {
                        String text = Files.readString(file, StandardCharsets.ISO_8859_1);
                        if (!text.startsWith("# softmax-cl tuning for Test CPU") || !text.endsWith("\n")) {
                            torn.add(text);
                        }
                        TuningCache.read(file, CPU, torn::add);
                        reads++;
                    }
                }
                return reads;
            });
            for (Future<?> w : writers) {
                w.get();
            }
            writing.set(false);
            reader.get();
            assertEquals(List.of(), torn, "every read saw a whole file");
        } finally {
            pool.shutdownNow();
        }
        List<String> expected = Stream.of(buckets)
                .map(b -> "float32." + b.name().toLowerCase(java.util.Locale.ROOT) + "=VECTOR 0 0 0 0 " + saves + ".00")
                .collect(Collectors.toList());
        assertEquals(expected, lines(Tuning.load(CPU)), "no writer's last save was lost");
        try (Stream<Path> s = Files.list(cache)) {
            assertEquals(List.of(Tuning.cacheFile(CPU).getFileName().toString(),
                    Tuning.cacheFile(CPU).getFileName() + ".lock"),
                    s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList()),
                    "no temporary file is left");
        }
    }

    private static void saveOne(Bucket b, int gbps) throws IOException {
        new Tuning(List.of(new Entry(b, ElementType.FLOAT32, Variant.VECTOR, Tunables.DEFAULTS, gbps))).save(CPU);
    }

    /** Another process saving the cache: args cache directory, bucket, saves; starts on a line on stdin. */
    public static final class Saver {
        public static void main(String[] args) throws IOException {
            System.setProperty(Tuning.CACHE_PROPERTY, args[0]);
            System.out.println("ready");
            System.out.flush();
            new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8)).readLine();
            for (int i = 1; i <= Integer.parseInt(args[2]); i++) {
                saveOne(Bucket.valueOf(args[1]), i);
            }
        }
    }

    /** Threads of one JVM take turns on a lock of their own; processes take turns on the lock file. */
    @Test
    void processesSavingAtOnceKeepEveryProcesssEntry() throws Exception {
        int saves = 60;
        List<Bucket> theirs = List.of(Bucket.SHORT, Bucket.MEDIUM);
        List<Process> children = new ArrayList<>();
        try {
            for (Bucket b : theirs) {
                Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-cp", System.getProperty("java.class.path"), Saver.class.getName(), cache.toString(),
                        b.name(), Integer.toString(saves)).redirectError(ProcessBuilder.Redirect.INHERIT).start();
                children.add(p);
                BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(),
                        StandardCharsets.UTF_8));
                assertEquals("ready", out.readLine());
            }
            for (Process p : children) {
                p.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
                p.getOutputStream().flush();
            }
            for (int i = 1; i <= saves; i++) {
                saveOne(Bucket.LONG, i);
            }
            for (Process p : children) {
                assertTrue(p.waitFor(120, TimeUnit.SECONDS), "hang guard"); // not a timing assertion
                assertEquals(0, p.exitValue());
            }
        } finally {
            children.forEach(Process::destroyForcibly);
        }
        assertEquals(List.of("float32.short=VECTOR 0 0 0 0 60.00", "float32.medium=VECTOR 0 0 0 0 60.00",
                "float32.long=VECTOR 0 0 0 0 60.00"), lines(Tuning.load(CPU)), "no process's last save was lost");
    }

    @Test
    void saveRemovesAKilledWritersTemporaryFileAndKeepsThePermissions() throws IOException {
        assumeTrue(cache.getFileSystem().supportedFileAttributeViews().contains("posix"), "POSIX permissions");
        Path file = new Tuning(List.of(new Entry(Bucket.SHORT, ElementType.FLOAT32, Variant.TILE, Tunables.DEFAULTS,
                1.5))).save(CPU);
        Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-r-----"));
        // What a tuning run killed while saving leaves behind (OutputFile's naming scheme).
        Path stale = Files.writeString(file.resolveSibling("." + file.getFileName() + ".softmax-0123456789abcdef.tmp"),
                "float32.short=TILE 0 0 0 0 1.0\n");
        new Tuning(List.of(new Entry(Bucket.LONG, ElementType.FLOAT32, Variant.VECTOR, Tunables.DEFAULTS, 2.5)))
                .save(CPU);
        assertFalse(Files.exists(stale));
        assertEquals("rw-r-----", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));
        assertEquals(List.of("float32.short=TILE 0 0 0 0 1.50", "float32.long=VECTOR 0 0 0 0 2.50"),
                lines(Tuning.load(CPU)), "the second save kept the first one's entry");
    }

    @Test
    void aVeryLongDeviceNameGetsACacheFileThatFitsWithItsLockFile() throws IOException {
        DeviceInfo a = device("x".repeat(400) + "a", DeviceType.CPU, 4096);
        DeviceInfo b = device("x".repeat(400) + "b", DeviceType.CPU, 4096);
        assertNotEquals(Tuning.cacheFile(a), Tuning.cacheFile(b), "the hash tells them apart");
        Path file = new Tuning(List.of(new Entry(Bucket.SHORT, ElementType.FLOAT32, Variant.TILE, Tunables.DEFAULTS,
                1.0))).save(a);
        assertEquals(255, (file.getFileName() + ".lock").getBytes(StandardCharsets.UTF_8).length);
        assertTrue(Files.exists(file.resolveSibling(file.getFileName() + ".lock")));
        assertEquals(1, Tuning.load(a).entries().size());
        assertTrue(Tuning.load(b).entries().isEmpty());
    }
}
