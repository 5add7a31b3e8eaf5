/*
 * Usage errors exit with 2 and a one-line message naming the problem, never a stack trace, and
 * leave no output file behind.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.npy.NpyWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class UsageErrorsTest {
    @TempDir
    Path dir;
    Path in;

    @BeforeEach
    void input() throws Exception {
        in = dir.resolve("in.npy");
        NpyWriter.writeFloats(in, new long[] {2, 3}, new float[] {1, 2, 3, 4, 5, 6});
    }

    private static void assertUsageError(Cli.Result r, String expected) {
        assertEquals(Main.USAGE, r.code(), r.toString());
        assertTrue(r.err().contains(expected), "stderr should say '" + expected + "':\n" + r);
        assertFalse(r.err().contains("\tat "), "no stack trace:\n" + r);
        assertFalse(r.err().contains("Exception"), "no exception class names:\n" + r);
    }

    @Test
    void unknownOptionAndUnknownCommand() {
        assertUsageError(Cli.run("devices", "--colour"), "Unknown option: '--colour'");
        assertUsageError(Cli.run("frobnicate"), "Unmatched argument at index 0: 'frobnicate'");
        assertUsageError(Cli.run(), "missing command");
    }

    @Test
    void missingInputFile() {
        assertUsageError(Cli.run("run", dir.resolve("nope.npy").toString(), "-o", dir.resolve("o.npy").toString()),
                "input file not found");
        assertUsageError(Cli.run("verify", "--input", dir.resolve("nope.npy").toString()), "file not found");
        assertFalse(Files.exists(dir.resolve("o.npy")));
    }

    @Test
    void missingRequiredOptionAndOutputDirectory() {
        assertUsageError(Cli.run("run", in.toString()), "Missing required option: '--output=OUT.npy'");
        Path out = dir.resolve("no/such/dir/o.npy");
        assertUsageError(Cli.run("run", in.toString(), "-o", out.toString()),
                "cannot write " + out + ": directory " + out.getParent() + " does not exist");
    }

    @Test
    void evalWithSomethingThatIsNotANumber() {
        assertUsageError(Cli.run("eval", "1", "two", "3"), "not a number: 'two'");
        assertUsageError(Cli.run("eval", "0x10"), "not a number: '0x10'");
        assertUsageError(Cli.run("eval"), "Missing required parameter");
    }

    @Test
    void runWithTheOutputNamingTheInput() throws Exception {
        byte[] before = Files.readAllBytes(in);
        assertUsageError(Cli.run("run", in.toString(), "-o", in.toString()), "-o must not name the input file");
        // The same file spelled differently is still the same file.
        Path sub = Files.createDirectory(dir.resolve("sub"));
        String roundabout = sub.resolve("../in.npy").toString();
        assertUsageError(Cli.run("run", in.toString(), "-o", roundabout), "-o must not name the input file");
        Path link = Files.createSymbolicLink(dir.resolve("link.npy"), in);
        assertUsageError(Cli.run("run", link.toString(), "-o", in.toString()), "-o must not name the input file");
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(in)), "the input is untouched");
    }

    @Test
    void badNumbers() {
        String out = dir.resolve("o.npy").toString();
        assertUsageError(Cli.run("run", in.toString(), "-o", out, "--chunk-rows", "0"), "--chunk-rows must be >= 1");
        assertUsageError(Cli.run("run", in.toString(), "-o", out, "--chunk-rows", "many"), "'many' is not a long");
        assertUsageError(Cli.run("verify", "--rows-sample", "5"), "--rows-sample need --input");
        assertUsageError(Cli.run("generate", out, "--shape", "10xten"), "--shape must look like");
        assertFalse(Files.exists(dir.resolve("o.npy")));
    }

    @Test
    void aDeviceSpecMatchingNothingIsAUsageError() {
        assertUsageError(Cli.run("eval", "--device", "no-such-device-anywhere", "1", "2"),
                "no OpenCL device matches 'no-such-device-anywhere'");
    }

    @Test
    void helpExitsZero() {
        for (String cmd : new String[] {"devices", "eval", "run", "verify", "demo", "generate"}) {
            Cli.Result r = Cli.run(cmd, "--help");
            assertEquals(0, r.code(), r.toString());
            assertTrue(r.out().contains("Usage: softmax " + cmd), r.toString());
        }
    }
}
