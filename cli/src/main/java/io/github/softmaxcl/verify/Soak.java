/*
 * `softmax verify --soak`: the burn-in a fleet operator runs before trusting a device. N threads
 * make random calls (SoakCall: shapes, element types, ops, entry points, kinds of memory) for a
 * given time, each on either an engine all threads share or the thread's own engine (reopened now
 * and then, so opening and closing are soaked too), and every result is checked against the
 * reference. The live OpenCL object count is sampled after every call; at the end, once every
 * engine is closed, it must be back where it started. Any failed call or any object left over
 * fails the soak.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.cl.ClObject;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A timed, multi-threaded, self-checking run of random calls. */
public final class Soak {
    private static final Logger LOG = LoggerFactory.getLogger(Soak.class);
    /** A thread reopens its own engine after one call in this many, on average. */
    private static final int REOPEN = 100;
    /** Failures kept word for word in the report; the rest are only counted. */
    private static final int KEPT_FAILURES = 20;
    private static final Pattern DURATION = Pattern.compile("(\\d{1,9})(ms|s|m|h)");

    private Soak() {}

    /**
     * The outcome of a soak.
     *
     * @param device the device, as {@code P:D name}
     * @param threads calling threads
     * @param seconds how long the calls ran
     * @param seed the seed of every thread's random calls
     * @param calls calls made
     * @param failures calls that threw or were out of tolerance, and engines that failed to open
     * @param objectsStart live OpenCL objects before the soak opened anything
     * @param objectsPeak the most live objects sampled during the soak
     * @param objectsEnd live objects after every engine of the soak was closed
     * @param reopens per-thread engines closed and opened again during the run
     * @param coverage calls per entry point, kind of memory, element type and op feature
     * @param firstFailures the first failures, each naming the call in full
     */
    public record Result(String device, int threads, double seconds, long seed, long calls, long failures,
            long objectsStart, long objectsPeak, long objectsEnd, long reopens, Map<String, Map<String, Long>> coverage,
            List<String> firstFailures) {

        /** @return objects left over: live objects at the end minus at the start */
        public long objectGrowth() {
            return objectsEnd - objectsStart;
        }

        /** @return the most objects the soak held at once, over the start */
        public long maxObjectGrowth() {
            return objectsPeak - objectsStart;
        }

        /** @return whether every call passed and no object was left over */
        public boolean passed() {
            return failures == 0 && objectGrowth() <= 0;
        }

        /** @return the report's fields, keys in a stable order (the JSON under "soak") */
        public Map<String, Object> toMap() {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("device", device);
            m.put("threads", threads);
            m.put("seconds", seconds);
            m.put("seed", seed);
            m.put("calls", calls);
            m.put("failures", failures);
            m.put("object_growth", objectGrowth());
            m.put("max_object_growth", maxObjectGrowth());
            m.put("objects_start", objectsStart);
            m.put("objects_peak", objectsPeak);
            m.put("objects_end", objectsEnd);
            m.put("engine_reopens", reopens);
            m.put("coverage", coverage);
            m.put("first_failures", firstFailures);
            m.put("passed", passed());
            return m;
        }
    }

    /**
     * @param text a duration: digits and a unit, {@code ms}, {@code s}, {@code m} or {@code h} (e.g. {@code 30s})
     * @return the duration, at least 1 ms
     * @throws IllegalArgumentException if the text is not such a duration
     */
    public static Duration parseDuration(String text) {
        Matcher m = DURATION.matcher(text == null ? "" : text.trim());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("duration must be a positive number with a unit (ms, s, m or h),"
                    + " e.g. 30s or 5m; got '" + text + "'");
        }
        long n = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            default -> Duration.ofHours(n);
        };
    }

    /**
     * Runs the soak. Every thread makes at least one call, however short the duration.
     *
     * @param config the engines' configuration (device spec included)
     * @param duration how long to keep calling
     * @param threads calling threads, &gt;= 1
     * @param seed seed of the random calls (thread i draws from a generator split off for it)
     * @return the outcome
     * @throws IllegalArgumentException if {@code threads} &lt; 1 or the device spec matches no device
     * @throws io.github.softmaxcl.OpenClUnavailableException if the machine has no OpenCL platform
     * @throws io.github.softmaxcl.SoftmaxException if the shared engine cannot be opened
     */
    public static Result run(EngineConfig config, Duration duration, int threads, long seed) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        }
        Tally tally = new Tally();
        long start = ClObject.liveCount();
        AtomicLong peak = new AtomicLong(start);
        AtomicLong reopens = new AtomicLong();
        String device;
        long t0 = System.nanoTime();
        try (SoftmaxEngine shared = Internals.open(config)) {
            device = shared.device().id() + " " + shared.device().name();
            // Every engine on the device the spec chose once, without discovering devices again.
            EngineConfig perThread = config.withDevice(Internals.core(shared).device());
            List<ElementType> types = new ArrayList<>(List.of(ElementType.values()));
            if (!shared.device().fp64()) {
                types.remove(ElementType.FLOAT64);
            }
            long deadline = System.nanoTime() + duration.toNanos();
            SplittableRandom root = new SplittableRandom(seed);
            List<Thread> workers = new ArrayList<>();
            for (int i = 0; i < threads; i++) {
                SplittableRandom rnd = root.split();
                Thread w = new Thread(() -> work(perThread, shared, types, rnd, deadline, tally, peak, reopens),
                        "softmax-soak-" + i);
                w.setDaemon(true);
                workers.add(w);
                w.start();
            }
            await(workers, tally);
        }
        double seconds = (System.nanoTime() - t0) / 1e9;
        return new Result(device, threads, seconds, seed, tally.calls.sum(), tally.failures.sum(), start, peak.get(),
                ClObject.liveCount(), reopens.get(), tally.coverage(), tally.kept());
    }

    private static void work(EngineConfig config, SoftmaxEngine shared, List<ElementType> types, SplittableRandom rnd,
            long deadline, Tally tally, AtomicLong peak, AtomicLong reopens) {
        SoftmaxEngine own = null;
        try {
            own = Internals.open(config);
            do {
                if (rnd.nextInt(REOPEN) == 0) {
                    own.close();
                    own = null;
                    own = Internals.open(config);
                    reopens.incrementAndGet();
                }
                SoakCall call = SoakCall.random(rnd, types);
                String failure = call.run(rnd.nextBoolean() ? shared : own);
                tally.record(call, failure);
                peak.accumulateAndGet(ClObject.liveCount(), Math::max);
            } while (System.nanoTime() < deadline);
        } catch (RuntimeException | Error e) {
            // A call's own exceptions are its result; what gets here (an engine that does not open,
            // memory exhausted) stops this thread, and the report says so.
            tally.failure(Thread.currentThread().getName() + " stopped: " + e);
        } finally {
            if (own != null) {
                own.close();
            }
        }
    }

    /** Waits for the workers, logging progress every ten seconds for long soaks. */
    private static void await(List<Thread> workers, Tally tally) {
        for (Thread w : workers) {
            try {
                while (w.isAlive()) {
                    w.join(10_000);
                    if (w.isAlive()) {
                        LOG.info("soak: {} calls, {} failures, {} live OpenCL objects", tally.calls.sum(),
                                tally.failures.sum(), ClObject.liveCount());
                    }
                }
            } catch (InterruptedException e) {
                // The workers stop at the deadline on their own; the report must not be cut short.
                Thread.currentThread().interrupt();
                workers.forEach(Soak::joinUninterruptibly);
                return;
            }
        }
    }

    private static void joinUninterruptibly(Thread t) {
        boolean interrupted = false;
        while (t.isAlive()) {
            try {
                t.join();
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    /** Counts shared by the threads. */
    private static final class Tally {
        final LongAdder calls = new LongAdder();
        final LongAdder failures = new LongAdder();
        private final Map<String, Map<String, LongAdder>> coverage = new ConcurrentHashMap<>();
        private final List<String> kept = Collections.synchronizedList(new ArrayList<>());

        void record(SoakCall call, String failure) {
            calls.increment();
            count("entry", call.entry().name());
            count("memory", call.memory().name());
            count("type", call.type().label());
            call.features().forEach(f -> count("feature", f));
            if (failure != null) {
                failure(failure);
            }
        }

        void failure(String what) {
            failures.increment();
            synchronized (kept) {
                if (kept.size() < KEPT_FAILURES) {
                    kept.add(what);
                }
            }
        }

        private void count(String axis, String value) {
            coverage.computeIfAbsent(axis, k -> new ConcurrentHashMap<>())
                    .computeIfAbsent(value.toLowerCase(java.util.Locale.ROOT), k -> new LongAdder()).increment();
        }

        Map<String, Map<String, Long>> coverage() {
            Map<String, Map<String, Long>> out = new TreeMap<>();
            coverage.forEach((axis, counts) -> {
                Map<String, Long> m = new TreeMap<>();
                counts.forEach((k, v) -> m.put(k, v.sum()));
                out.put(axis, m);
            });
            return out;
        }

        List<String> kept() {
            synchronized (kept) {
                return List.copyOf(kept);
            }
        }
    }
}
