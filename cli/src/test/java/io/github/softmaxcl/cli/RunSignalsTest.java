/*
 * `run` in real child JVMs, stopped the ways a user or a scheduler stops it: SIGTERM and SIGINT
 * delete the temporary file and exit non-zero with one line saying so; after SIGKILL the next run to
 * the same output deletes the dead run's temporary file, but never one that a live run is writing.
 * Also what a user sees on stderr: nothing with `run -q`, and the device line once for `verify`,
 * which opens one engine per kernel variant. The children run BlockingRun, whose output sink stops
 * after the first chunk, so every signal arrives mid-write whatever the machine's speed.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.reference.Inputs;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RunSignalsTest {
    /** A guard against a hung child, not a timing assertion: every child here ends in seconds. */
    private static final long HANG_GUARD_S = 120;

    @TempDir
    Path dir;
    @TempDir
    Path logs;
    private Path in;
    private Path out;
    private final List<Process> children = new ArrayList<>();

    @BeforeEach
    void input() throws IOException {
        in = dir.resolve("in.npy");
        out = dir.resolve("out.npy");
        NpyWriter.writeFloats(in, new long[] {64, 1000}, Inputs.floats(Inputs.Pattern.RANDOM, 64, 1000, 3));
    }

    @AfterEach
    void killLeftovers() throws InterruptedException {
        for (Process p : children) {
            if (p.isAlive()) {
                p.destroyForcibly();
                p.waitFor(HANG_GUARD_S, TimeUnit.SECONDS);
            }
        }
    }

    private record Child(Process process, Path stderr) {
        String err() throws IOException {
            return Files.readString(stderr);
        }
    }

    /**
     * Starts {@code main} in a new JVM on the test classpath. Through `env --default-signal` where
     * there is one: a JVM started with SIGINT ignored (a background job of a script) never installs
     * its SIGINT handler, and the test is about the handler, not about how Maven was started.
     */
    private Child start(Class<?> main, String... args) throws IOException {
        List<String> cmd = new ArrayList<>();
        if (envResetsSignals()) {
            cmd.addAll(List.of("env", "--default-signal=INT,TERM"));
        }
        cmd.addAll(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), main.getName()));
        cmd.addAll(List.of(args));
        Path stderr = Files.createTempFile(logs, "stderr", ".txt");
        Process p = new ProcessBuilder(cmd).redirectError(stderr.toFile()).start();
        children.add(p);
        return new Child(p, stderr);
    }

    private static boolean envResetsSignals() {
        try {
            Process p = new ProcessBuilder("env", "--default-signal=INT,TERM", "true").redirectErrorStream(true)
                    .start();
            p.getInputStream().readAllBytes();
            return p.waitFor(HANG_GUARD_S, TimeUnit.SECONDS) && p.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** A `run` child stopped in the middle of writing OUT: returns its temporary file. */
    private Child blockedRun() throws IOException, InterruptedException {
        Child c = start(BlockingRun.class, "run", in.toString(), "-o", out.toString(), "--chunk-rows", "16");
        BufferedReader stdout = new BufferedReader(new InputStreamReader(c.process().getInputStream(),
                StandardCharsets.UTF_8));
        for (String line; (line = stdout.readLine()) != null; ) {
            if (line.equals(BlockingRun.BLOCKED)) {
                return c;
            }
        }
        c.process().waitFor(HANG_GUARD_S, TimeUnit.SECONDS);
        fail("the child ended before its first chunk was written:\n" + c.err());
        return null;
    }

    private List<String> files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().collect(Collectors.toList());
        }
    }

    /** The one temporary file of OUT in the directory. */
    private Path onlyTempFile() throws IOException {
        List<String> temps = files().stream().filter(n -> n.startsWith(".out.npy.softmax-") && n.endsWith(".tmp"))
                .collect(Collectors.toList());
        assertEquals(1, temps.size(), "temporary files of out.npy in " + files());
        return dir.resolve(temps.get(0));
    }

    private static int waitFor(Child c) throws IOException, InterruptedException {
        assertTrue(c.process().waitFor(HANG_GUARD_S, TimeUnit.SECONDS), "child JVM hung:\n" + c.err());
        return c.process().exitValue();
    }

    @ParameterizedTest(name = "SIG{0}")
    @ValueSource(strings = {"TERM", "INT"})
    void aSignalDeletesTheTemporaryFileAndExitsNonZeroWithOneLine(String signal) throws Exception {
        Child c = blockedRun();
        Path temp = onlyTempFile();
        assertTrue(Files.size(temp) > 0, "the first chunk is in the temporary file");
        if (signal.equals("TERM")) {
            c.process().destroy(); // SIGTERM
        } else {
            Process kill = new ProcessBuilder("kill", "-INT", Long.toString(c.process().pid())).start();
            assertEquals(0, kill.waitFor(), "kill -INT");
        }
        int code = waitFor(c);
        assertNotEquals(0, code, c.err());
        assertEquals(List.of("in.npy"), files(), "neither the output nor a temporary file is left");
        List<String> said = c.err().lines().filter(l -> l.contains("stopped before")).collect(Collectors.toList());
        assertEquals(1, said.size(), c.err());
        assertTrue(said.get(0).contains("stopped before " + out + " was complete"), said.get(0));
        assertFalse(c.err().contains("\tat "), "no stack trace:\n" + c.err());
    }

    @Test
    void aKilledRunsTemporaryFileIsDeletedByTheNextRunToTheSameOutput() throws Exception {
        Child c = blockedRun();
        Path temp = onlyTempFile();
        c.process().destroyForcibly(); // SIGKILL: no shutdown hook runs
        assertNotEquals(0, waitFor(c));
        assertTrue(Files.exists(temp), "SIGKILL leaves the temporary file: " + files());

        Cli.Result r = Cli.run("run", in.toString(), "-o", out.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        assertEquals(List.of("in.npy", "out.npy"), files());
    }

    @Test
    void aLiveRunsTemporaryFileIsLeftAlone() throws Exception {
        Child c = blockedRun();
        Path temp = onlyTempFile();
        Cli.Result r = Cli.run("run", in.toString(), "-o", out.toString(), "-q");
        assertEquals(0, r.code(), r.toString());
        assertTrue(Files.exists(temp), "the running child's file survived: " + files());
        assertEquals(List.of(temp.getFileName().toString(), "in.npy", "out.npy"), files());
        c.process().destroy();
        waitFor(c);
        assertEquals(List.of("in.npy", "out.npy"), files());
    }

    @Test
    void quietRunWritesNothingToStderrOrStdout() throws Exception {
        Child loud = start(Main.class, "run", in.toString(), "-o", out.toString());
        String loudOut = new String(loud.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, waitFor(loud), loud.err());
        // Without -q there is a device line on stderr and a summary on stdout, so their absence below
        // is -q's doing.
        assertTrue(loud.err().contains("softmax-cl device"), loud.err());
        assertTrue(loudOut.contains("wrote " + out), loudOut);

        Child quiet = start(Main.class, "run", in.toString(), "-o", out.toString(), "-q");
        String quietOut = new String(quiet.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, waitFor(quiet), quiet.err());
        assertEquals("", quiet.err());
        assertEquals("", quietOut);
    }

    @Test
    void verifyLogsTheDeviceLineOncePerDevice() throws Exception {
        Child c = start(Main.class, "verify", "--quick");
        String stdout = new String(c.process().getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, waitFor(c), c.err() + stdout);
        // One engine per kernel variant (six) on the one default device: one line.
        long lines = c.err().lines().filter(l -> l.contains("softmax-cl device")).count();
        assertEquals(1, lines, c.err());
    }
}
