/*
 * Fuzz test of `run --mask` loading (Jazzer): for any mask file and any input shape, MaskSource
 * either serves every chunk of mask bytes the run will ask for, or refuses with what it documents:
 * NpyFormatException for a file that is not a valid .npy, ParameterException (a usage error) for a
 * valid file of the wrong dtype or shape. Anything else is a failure. `mvn test` replays the seeds
 * in MaskSourceFuzzTestInputs/maskLoadsOrIsRefused/; JAZZER_FUZZ=1 fuzzes (README, "Tests").
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.github.softmaxcl.npy.NpyFormatException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

class MaskSourceFuzzTest {
    @TempDir
    static Path dir;

    private static final CommandSpec RUN = Main.commandLine(new Main()).getSubcommands().get("run").getCommandSpec();

    /**
     * The first byte picks the input: bits 0-1 its shape, (2, 5), (5,), (2, 3, 5) or (3, 2); bit 2
     * the axis, 0 or the last. The rest is the mask file.
     */
    @FuzzTest(maxDuration = "2m")
    void maskLoadsOrIsRefused(byte[] data) throws IOException {
        if (data.length == 0) {
            return;
        }
        long[][] shapes = {{2, 5}, {5}, {2, 3, 5}, {3, 2}};
        long[] shape = shapes[data[0] & 3];
        int axis = (data[0] & 4) != 0 ? 0 : shape.length - 1;
        Path file = Files.write(dir.resolve("mask.npy"), Arrays.copyOfRange(data, 1, data.length));
        long elements = Arrays.stream(shape).reduce(1, (a, b) -> a * b);
        try (MaskSource mask = MaskSource.open(file, shape, axis, RUN)) {
            assertTrue(!mask.none());
            // The chunks a run asks for: consecutive, one unit (row or slice) at a time.
            long unit = axis == shape.length - 1 ? shape[shape.length - 1] : elements / shape[0];
            for (long first = 0; first < elements; first += unit) {
                byte[] chunk = mask.chunk(first, (int) unit);
                assertNotNull(chunk);
                assertEquals(unit, chunk.length);
            }
        } catch (NpyFormatException e) {
            assertTrue(e.getMessage().startsWith(file + ": "), e.getMessage());
        } catch (ParameterException e) {
            assertTrue(e.getMessage().startsWith("--mask " + file + " "), e.getMessage());
        }
    }
}
