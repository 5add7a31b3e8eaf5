/*
 * `verify` through the command line: 0 on the device, 1 with a deliberately wrong kernel injected
 * (naming the failing cases), user files with and without a result file, the JSON report; and
 * `demo`, the project's main job, end to end.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.softmaxcl.npy.NpyReader;
import io.github.softmaxcl.npy.NpyWriter;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.verify.WrongKernelBackend;
import java.nio.file.Path;
import java.util.List;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifyAndDemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void quickVerificationPassesOnTheDeviceAndWritesAReport() throws Exception {
        Path report = dir.resolve("report.json");
        Cli.Result r = Cli.run("verify", "--quick", "--json", report.toString());
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("verification passed"), r.toString());
        assertTrue(r.out().contains("max ulp"), r.toString());
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertTrue(json.size() > 40, "one object per case and variant");
        for (JsonNode o : json) {
            assertTrue(o.get("status").asText().matches("PASS|SKIPPED"), o.toString());
            assertTrue(o.has("device") && o.has("variant"), o.toString());
        }
    }

    @Test
    void verificationFailsWithAWrongKernelAndNamesTheCases() {
        Main wrong = new Main(d -> List.of(new WrongKernelBackend(d)), UnaryOperator.identity(),
                UnaryOperator.identity());
        Cli.Result r = Cli.run(wrong, "verify", "--quick", "--device", "all");
        assertEquals(Main.FAILURE, r.code(), r.toString());
        assertTrue(r.out().contains("verification FAILED"), r.toString());
        assertTrue(r.out().contains("FAILED: huge_spread 16x1000 f32 NOMAX"), r.toString());
        assertTrue(r.out().contains("FAILED: adversarial"), r.toString());
        assertFalse(r.out().contains("FAILED: random"), r.toString());
    }

    @Test
    void verifyAUsersFileOnTheDeviceAndARunsResultAgainstTheReference() throws Exception {
        Path in = dir.resolve("in.npy");
        NpyWriter.writeFloats(in, new long[] {4, 50, 20}, Inputs.floats(Inputs.Pattern.ADVERSARIAL, 200, 20, 9));
        Cli.Result onDevice = Cli.run("verify", "--input", in.toString());
        assertEquals(0, onDevice.code(), onDevice.toString());
        assertTrue(onDevice.out().contains("in.npy"), onDevice.toString());

        Path out = dir.resolve("out.npy");
        assertEquals(0, Cli.run("run", in.toString(), "-o", out.toString(), "-q").code());
        Cli.Result good = Cli.run("verify", "--input", in.toString(), "--result", out.toString(), "--rows-sample",
                "17");
        assertEquals(0, good.code(), good.toString());
        assertTrue(good.out().contains("in.npy (17 of 200 rows)"), good.toString());

        // A result with one wrong value in a sampled row (the last row is always sampled) fails.
        float[] y;
        try (NpyReader r = NpyReader.open(out)) {
            y = r.readAllFloats();
        }
        int i = y.length - 1;
        y[i] = Float.isNaN(y[i]) ? 0.5f : y[i] + 0.01f;
        Path bad = dir.resolve("bad.npy");
        NpyWriter.writeFloats(bad, new long[] {4, 50, 20}, y);
        Cli.Result wrong = Cli.run("verify", "--input", in.toString(), "--result", bad.toString(), "--rows-sample",
                "17");
        assertEquals(Main.FAILURE, wrong.code(), wrong.toString());
        assertTrue(wrong.out().contains("FAILED: in.npy (17 of 200 rows)"), wrong.toString());
    }

    @Test
    void demoReproducesTheArticleAndVerifiesTheLargeBatches() {
        Cli.Result r = Cli.run("demo");
        assertEquals(0, r.code(), r.toString());
        assertTrue(r.out().contains("softmax([13, 31, 5]) = [1.52299795e-08, 9.99999985e-01, 5.10908895e-12]  PASS"),
                r.toString());
        assertTrue(r.out().contains("softmax([0, 100, 0]) = [3.72007598e-44, 1.00000000e+00, 3.72007598e-44]  PASS"),
                r.toString());
        assertTrue(r.out().contains("1,000,000 x 10: device"), r.toString());
        assertTrue(r.out().contains("4,096 x 4,096: device"), r.toString());
        assertTrue(r.out().contains("demo passed"), r.toString());
    }
}
