/*
 * Writes the machine-readable verification report: one JSON object per case and backend with the
 * table's fields plus device and variant. Written to a temporary file beside the target and moved
 * into place, so a crash never leaves a truncated report that a CI step would then parse.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.reference.Comparison;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON serialisation of verification results. */
public final class VerifyReport {
    private VerifyReport() {}

    /**
     * @param results the results
     * @return one map per result, keys in a stable order
     */
    public static List<Map<String, Object>> toMaps(List<CaseResult> results) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (CaseResult r : results) {
            Map<String, Object> m = new LinkedHashMap<>();
            m.put("case", r.caseName());
            m.put("rows", r.rows());
            m.put("cols", r.cols());
            m.put("precision", r.precision() == ElementType.FLOAT32 ? "float32" : "float64");
            m.put("device", r.device());
            m.put("variant", r.variant());
            m.put("status", r.status().name());
            Comparison c = r.comparison();
            if (c != null) {
                m.put("maxAbs", c.maxAbs());
                m.put("maxRel", c.maxRel());
                m.put("maxUlp", c.maxUlp());
                m.put("maxRowSumDeviation", c.maxRowSumDeviation());
                m.put("nonFiniteMatch", c.nonFiniteMismatches() == 0);
                m.put("nonFiniteMismatches", c.nonFiniteMismatches());
                m.put("argmaxDisagreements", c.argmaxDisagreements());
                m.put("failures", c.failures());
                m.put("tolerance", Map.of("abs", c.tolerance().abs(), "rel", c.tolerance().rel(),
                        "relFloor", c.tolerance().relFloor(), "rowSum", c.tolerance().rowSum()));
            }
            m.put("detail", r.detail());
            m.put("deviceMillis", r.deviceMillis());
            out.add(m);
        }
        return out;
    }

    /**
     * Writes the report atomically: a temporary file in the target's directory, then a rename.
     *
     * @param target the report file; replaced if it exists
     * @param results the results
     * @throws IOException if writing or renaming fails; the target is then untouched
     */
    public static void write(Path target, List<CaseResult> results) throws IOException {
        JsonFiles.write(target, toMaps(results), JsonFiles.MAPPER);
    }
}
