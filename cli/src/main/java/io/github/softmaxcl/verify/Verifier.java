/*
 * Runs verification cases on backends and on the CPU reference, and prints one table row per case
 * and backend as it goes (so a long run shows progress and a crash keeps what was printed). The
 * reference is computed once per case and shared by every backend; inputs are generated once too.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.reference.FamilyCheck;
import io.github.softmaxcl.reference.FamilyCase;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** Compares backends with the CPU reference over a list of cases. */
public final class Verifier {
    private static final String ROW_FORMAT = "%-26s %-10s %-4s %9s %9s %8s %9s %-10s %-9s %s%n";

    private final PrintWriter out;

    /** @param out where the table goes (stdout in the CLI) */
    public Verifier(PrintWriter out) {
        this.out = out;
    }

    /**
     * Runs every case on every backend. Backends of one device are expected; the table header names
     * the device of the first backend.
     *
     * @param cases the cases
     * @param backends what to verify; not closed here
     * @return one result per case and backend, in order
     * @throws IllegalArgumentException if {@code backends} is empty
     */
    public List<CaseResult> run(List<VerifyCase> cases, List<SoftmaxBackend> backends) {
        if (backends.isEmpty()) {
            throw new IllegalArgumentException("no backend to verify");
        }
        out.printf("device %s%n", backends.get(0).device());
        boolean fp64 = backends.stream().anyMatch(SoftmaxBackend::supportsFloat64);
        if (!fp64 && cases.stream().anyMatch(c -> c.precision() == ElementType.FLOAT64)) {
            out.println("skipped: device has no fp64 (cl_khr_fp64); float64 cases are not run");
        }
        out.printf(ROW_FORMAT, "case", "variant", "prec", "max abs", "max rel", "max ulp", "|sum-1|", "non-finite",
                "argmax", "result");
        List<CaseResult> results = new ArrayList<>();
        for (VerifyCase c : cases) {
            results.addAll(runCase(c, backends));
        }
        summarize(results);
        out.flush();
        return results;
    }

    /**
     * Runs the softmax-family cases on every engine backend (other backends are skipped: the family
     * is an engine API). Last-axis cases run on every variant; other axes and gradients have one
     * kernel each and run once, on the first backend.
     *
     * @param cases the family cases
     * @param backends the backends of one device
     * @return one result per case and backend run
     */
    public List<CaseResult> runFamily(List<FamilyCase> cases, List<SoftmaxBackend> backends) {
        out.println();
        out.println("softmax family (log, temperature, masks, any axis, float16/bfloat16, gradients):");
        out.printf(ROW_FORMAT, "case", "variant", "prec", "max abs", "max rel", "max ulp", "|sum-1|", "non-finite",
                "argmax", "result");
        List<CaseResult> results = new ArrayList<>();
        for (FamilyCase c : cases) {
            boolean once = c.gradient() || c.axis() != -1;
            for (SoftmaxBackend b : backends) {
                if (!(b instanceof EngineBackend eb)) {
                    continue;
                }
                ElementType p = FamilyCheck.compute(c.format());
                String name = c.name() + " " + c.shapeText();
                int cols = (int) c.shape()[c.axis() < 0 ? c.shape().length + c.axis() : c.axis()];
                String skip = p == ElementType.FLOAT64 && !b.supportsFloat64() ? "device has no fp64"
                        : once ? null : b.cannotRun(1, cols, p);
                CaseResult r;
                if (skip != null) {
                    r = new CaseResult(name, 0, cols, p, b.device(), b.name(), CaseResult.Status.SKIPPED, null, skip, 0);
                } else {
                    long t0 = System.nanoTime();
                    try {
                        Comparison cmp = c.run(eb.engine());
                        r = new CaseResult(name, 0, cols, p, b.device(), once ? "(one kernel)" : b.name(),
                                cmp.passed() ? CaseResult.Status.PASS : CaseResult.Status.FAIL, cmp,
                                cmp.firstFailure(), (System.nanoTime() - t0) / 1e6);
                    } catch (RuntimeException e) {
                        r = new CaseResult(name, 0, cols, p, b.device(), b.name(), CaseResult.Status.FAIL, null,
                                "error: " + e, (System.nanoTime() - t0) / 1e6);
                    }
                    print(r);
                }
                results.add(r);
                if (once && skip == null) {
                    break;
                }
            }
        }
        summarize(results);
        out.flush();
        return results;
    }

    private List<CaseResult> runCase(VerifyCase c, List<SoftmaxBackend> backends) {
        List<CaseResult> results = new ArrayList<>();
        boolean f32 = c.precision() == ElementType.FLOAT32;
        double[] x = null;
        float[] xf = null;
        double[] ref = null;
        for (SoftmaxBackend b : backends) {
            String skip = f32 || b.supportsFloat64() ? b.cannotRun(c.rows(), c.cols(), c.precision())
                    : "device has no fp64";
            if (skip != null) {
                results.add(new CaseResult(c.name(), c.rows(), c.cols(), c.precision(), b.device(), b.name(),
                        CaseResult.Status.SKIPPED, null, skip, 0));
                continue;
            }
            if (x == null) {
                x = c.logits().get();
                if (x.length != (long) c.rows() * c.cols()) {
                    throw new IllegalStateException("case " + c.name() + " supplied " + x.length + " values");
                }
                if (f32) {
                    xf = new float[x.length];
                    for (int i = 0; i < x.length; i++) {
                        xf[i] = (float) x[i];
                    }
                    x = null; // the float copy is the input from here on; keep one array, not two
                    ref = ReferenceSoftmax.softmax(xf, c.rows(), c.cols());
                } else {
                    ref = ReferenceSoftmax.softmax(x, c.rows(), c.cols());
                }
            }
            CaseResult r = runOne(c, b, x, xf, ref);
            print(r);
            results.add(r);
        }
        return results;
    }

    private static CaseResult runOne(VerifyCase c, SoftmaxBackend b, double[] x, float[] xf, double[] ref) {
        long t0 = System.nanoTime();
        Comparison cmp;
        try {
            if (xf != null) {
                float[] y = b.softmax(xf, c.rows(), c.cols());
                double ms = (System.nanoTime() - t0) / 1e6;
                cmp = Comparison.of(i -> xf[(int) i], i -> y[(int) i], i -> ref[(int) i], c.rows(), c.cols(),
                        c.precision());
                return result(c, b, cmp, ms);
            }
            double[] y = b.softmax(x, c.rows(), c.cols());
            double ms = (System.nanoTime() - t0) / 1e6;
            cmp = Comparison.of(i -> x[(int) i], i -> y[(int) i], i -> ref[(int) i], c.rows(), c.cols(),
                    c.precision());
            return result(c, b, cmp, ms);
        } catch (RuntimeException e) {
            return new CaseResult(c.name(), c.rows(), c.cols(), c.precision(), b.device(), b.name(),
                    CaseResult.Status.FAIL, null, "error: " + e, (System.nanoTime() - t0) / 1e6);
        }
    }

    private static CaseResult result(VerifyCase c, SoftmaxBackend b, Comparison cmp, double ms) {
        return new CaseResult(c.name(), c.rows(), c.cols(), c.precision(), b.device(), b.name(),
                cmp.passed() ? CaseResult.Status.PASS : CaseResult.Status.FAIL, cmp, cmp.firstFailure(), ms);
    }

    private void print(CaseResult r) {
        String prec = r.precision() == ElementType.FLOAT32 ? "f32" : "f64";
        Comparison c = r.comparison();
        if (c == null) {
            out.printf(ROW_FORMAT, r.caseName(), r.variant(), prec, "-", "-", "-", "-", "-", "-",
                    r.status() + "  " + r.detail());
        } else {
            out.printf(ROW_FORMAT, r.caseName(), r.variant(), prec, sci(c.maxAbs()), sci(c.maxRel()),
                    Long.toString(c.maxUlp()), sci(c.maxRowSumDeviation()),
                    c.nonFiniteMismatches() == 0 ? "match" : c.nonFiniteMismatches() + " differ",
                    c.argmaxDisagreements() == 0 ? "agree" : c.argmaxDisagreements() + " rows",
                    r.status() + (r.failed() ? "  " + describeFailure(c) : ""));
        }
        out.flush();
    }

    private static String describeFailure(Comparison c) {
        return c.failures() + " of " + c.elements() + " elements out of tolerance"
                + (c.firstFailure().isEmpty() ? "" : " (first: " + c.firstFailure() + ")");
    }

    private static String sci(double v) {
        return String.format(Locale.ROOT, "%.2e", v);
    }

    private void summarize(List<CaseResult> results) {
        long pass = results.stream().filter(r -> r.status() == CaseResult.Status.PASS).count();
        long skipped = results.stream().filter(r -> r.status() == CaseResult.Status.SKIPPED).count();
        List<CaseResult> failed = results.stream().filter(CaseResult::failed).toList();
        out.printf("%d passed, %d failed, %d skipped (variant cannot run the shape, or no fp64)%n", pass,
                failed.size(), skipped);
        for (CaseResult r : failed) {
            out.printf("FAILED: %s %s %s on %s%s%n", r.caseName(), r.precision() == ElementType.FLOAT32 ? "f32" : "f64",
                    r.variant(), r.device(), r.comparison() == null ? ": " + r.detail() : "");
        }
    }

    /**
     * @param results results of a run
     * @return whether any failed
     */
    public static boolean anyFailed(List<CaseResult> results) {
        return results.stream().anyMatch(CaseResult::failed);
    }
}
