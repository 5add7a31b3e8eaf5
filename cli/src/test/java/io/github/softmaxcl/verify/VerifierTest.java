/*
 * The verifier itself: it passes the real engine on every kernel variant, and it fails a real but
 * wrong OpenCL kernel, naming the cases that expose it and passing the ones that do not (so the
 * failure is about the bug, not about the verifier failing everything).
 */
package io.github.softmaxcl.verify;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.reference.Inputs.Pattern;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VerifierTest {
    private final StringWriter table = new StringWriter();
    private final Verifier verifier = new Verifier(new PrintWriter(table));

    @Test
    void everyVariantOfTheEnginePassesTheQuickSuite() {
        DeviceInfo device = Devices.select(null);
        List<SoftmaxBackend> backends = EngineBackend.everyVariant(device);
        List<CaseResult> results;
        try {
            results = verifier.run(VerifyCase.suite(true), backends);
        } finally {
            backends.forEach(SoftmaxBackend::close);
        }
        assertFalse(Verifier.anyFailed(results), table.toString());
        Set<String> variants = results.stream().filter(r -> r.status() == CaseResult.Status.PASS)
                .map(CaseResult::variant).collect(Collectors.toSet());
        assertEquals(java.util.Arrays.stream(io.github.softmaxcl.kernel.Variant.values()).map(Enum::name)
                .collect(Collectors.toSet()), variants);
        // 4097-long rows are beyond ROWS: reported as skipped, not silently passed.
        assertTrue(results.stream().anyMatch(r -> r.cols() == 4097 && r.variant().equals("ROWS")
                && r.status() == CaseResult.Status.SKIPPED));
        assertTrue(table.toString().contains(", 0 failed,"),
                table.toString());
    }

    @Test
    void aKernelWithoutMaxSubtractionFailsAndTheFailingCasesAreNamed() {
        List<VerifyCase> cases = List.of(
                VerifyCase.generated(Pattern.RANDOM, 16, 1000, ElementType.FLOAT32),
                VerifyCase.generated(Pattern.HUGE_SPREAD, 16, 1000, ElementType.FLOAT32),
                VerifyCase.generated(Pattern.ADVERSARIAL, 64, 33, ElementType.FLOAT32));
        List<CaseResult> results;
        try (WrongKernelBackend wrong = new WrongKernelBackend(Devices.select(null))) {
            results = verifier.run(cases, List.of(wrong));
        }
        assertTrue(Verifier.anyFailed(results));
        assertEquals(CaseResult.Status.PASS, results.get(0).status(), "ordinary logits do not expose the bug");
        assertEquals(CaseResult.Status.FAIL, results.get(1).status());
        assertEquals(CaseResult.Status.FAIL, results.get(2).status());
        assertTrue(results.get(2).comparison().nonFiniteMismatches() > 0, "+inf rows must be NaN");
        String text = table.toString();
        assertTrue(text.contains("FAILED: huge_spread 16x1000 f32 NOMAX"), text);
        assertTrue(text.contains("FAILED: adversarial 64x33 f32 NOMAX"), text);
        assertFalse(text.contains("FAILED: random"), text);
    }

    @Test
    void theJsonReportHasOneObjectPerCaseWithTheTableFields(@TempDir Path dir) throws Exception {
        List<CaseResult> results;
        try (WrongKernelBackend wrong = new WrongKernelBackend(Devices.select(null))) {
            results = verifier.run(List.of(VerifyCase.generated(Pattern.HUGE_SPREAD, 4, 100, ElementType.FLOAT32),
                    VerifyCase.generated(Pattern.RANDOM, 4, 100, ElementType.FLOAT64)), List.of(wrong));
        }
        Path report = dir.resolve("report.json");
        VerifyReport.write(report, results);
        JsonNode json = new ObjectMapper().readTree(report.toFile());
        assertEquals(2, json.size());
        JsonNode failed = json.get(0);
        assertEquals("huge_spread 4x100", failed.get("case").asText());
        assertEquals("FAIL", failed.get("status").asText());
        assertEquals("NOMAX", failed.get("variant").asText());
        for (String field : List.of("device", "precision", "maxAbs", "maxRel", "maxUlp", "maxRowSumDeviation",
                "nonFiniteMatch", "argmaxDisagreements", "failures", "tolerance")) {
            assertTrue(failed.has(field), field + " missing in " + failed);
        }
        assertEquals("SKIPPED", json.get(1).get("status").asText());
        try (var files = Files.list(dir)) {
            assertEquals(List.of(report), files.toList(), "no temporary file is left beside the report");
        }
    }
}
