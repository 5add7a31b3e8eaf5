/*
 * `run` when the device fails: an OpenCL call (allocation, upload, launch, download, program build)
 * that fails part-way through a file exits 1 with one line naming the call, and leaves neither an
 * output file nor a temporary file. Which calls a run makes depends on the device (zero-copy on
 * PoCL, staged copies on a discrete GPU), so a clean run first records them, and then each call
 * the device made is failed in turn at its occurrence nearest the middle of the file.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.cl.ClBuildException;
import io.github.softmaxcl.cl.ClException;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Faults;
import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.verify.BackendFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;
import org.jocl.CL;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RunFaultsTest {
    /** 100 rows in chunks of 10: ten engine calls, one launch each. */
    private static final int CHUNKS = 10;

    @TempDir
    Path dir;

    /**
     * Records the calls the engine reports; fails the {@code nth} occurrence of {@code fail}, and for
     * builds every one after it too (a failed build is tried once more: this program never compiles).
     */
    private static final class Calls implements Faults {
        final List<String> seen = Collections.synchronizedList(new ArrayList<>());
        private final String fail;
        private final int nth;
        private int count;

        Calls(String fail, int nth) {
            this.fail = fail;
            this.nth = nth;
        }

        @Override
        public synchronized void before(String call, long chunk) {
            seen.add(call);
            if (call.equals(fail) && (++count == nth || (count > nth && call.equals("clBuildProgram")))) {
                throw switch (call) {
                    // A real build failure carries the compiler's log, many lines long.
                    case "clBuildProgram" -> new ClBuildException(CL.CL_BUILD_PROGRAM_FAILURE, "softmax_vector.cl",
                            "-DINJECTED", "<source>:1:1: error: injected\n<source>:2:1: note: second line");
                    case "clCreateBuffer" -> new ClException(call, CL.CL_MEM_OBJECT_ALLOCATION_FAILURE, "(injected)");
                    default -> new ClException(call, CL.CL_OUT_OF_RESOURCES, "(injected)");
                };
            }
        }
    }

    @Test
    void aFailedOpenClCallMidFileLeavesNoFilesAndExitsWithOneLineNamingTheCall() throws IOException {
        Path in = dir.resolve("in.npy");
        NpyWriter.writeFloats(in, new long[] {100, 50}, Inputs.floats(Inputs.Pattern.ADVERSARIAL, 100, 50, 3));
        byte[] input = Files.readAllBytes(in);
        Calls clean = new Calls(null, 0);
        Cli.Result ok = run(clean, in, new AtomicInteger());
        assertEquals(0, ok.code(), ok.toString());
        Files.delete(dir.resolve("out.npy"));
        List<String> events = List.copyOf(clean.seen);
        assertEquals(CHUNKS, Collections.frequency(events, "clEnqueueNDRangeKernel"),
                "one launch per chunk: " + events);
        Set<String> calls = new LinkedHashSet<>(events);
        assertTrue(calls.containsAll(Set.of("clBuildProgram", "clCreateBuffer", "clEnqueueNDRangeKernel")),
                "every device builds, allocates and launches: " + calls);

        for (String call : calls) {
            // The occurrence at or after the middle of the run if there is one (per-chunk calls), else
            // the first (calls made once, at the start: builds, and allocations that are reused).
            int middle = events.size() / 2;
            int nth = Collections.frequency(events.subList(0, middle), call) + 1;
            if (!events.subList(middle, events.size()).contains(call)) {
                nth = 1;
            }
            AtomicInteger written = new AtomicInteger();
            Cli.Result r = run(new Calls(call, nth), in, written);
            String what = call + " #" + nth + "\n" + r;
            assertEquals(Main.FAILURE, r.code(), what);
            List<String> lines = r.err().lines().collect(Collectors.toList());
            assertEquals(1, lines.size(), what);
            assertTrue(lines.get(0).startsWith("softmax run: " + call + ": CL_"), what);
            if (call.equals("clEnqueueNDRangeKernel")) {
                assertTrue(written.get() > 0, "the launch failed after part of the output was written: " + what);
            }
            try (var s = Files.list(dir)) {
                assertEquals(Set.of("in.npy"), s.map(p -> p.getFileName().toString()).collect(Collectors.toSet()),
                        "no output and no temporary file after " + what);
            }
            assertArrayEquals(input, Files.readAllBytes(in));
        }
    }

    private Cli.Result run(Calls faults, Path in, AtomicInteger written) {
        UnaryOperator<StreamingSoftmax.ChunkSink> counting = sink -> buf -> {
            sink.write(buf);
            written.incrementAndGet();
        };
        Main main = new Main(BackendFactory.ENGINE_VARIANTS, UnaryOperator.identity(), counting,
                EngineConfig.DEFAULT.withFaults(faults));
        return Cli.run(main, "run", in.toString(), "-o", dir.resolve("out.npy").toString(), "--chunk-rows",
                Integer.toString(100 / CHUNKS));
    }
}
