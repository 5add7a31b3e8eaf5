/*
 * The autotuner behind `softmax tune`: for each row-length bucket, times every candidate of every
 * variant (TuningSpace) on the bucket's representative shape, rejects any candidate whose output
 * differs from the CPU reference beyond the stated tolerance (outputs are poisoned with NaN before
 * each checked run, so unwritten elements count as wrong), and keeps the fastest. Candidates the
 * device cannot run (a build or launch error) are skipped and counted, never fatal.
 */
package io.github.softmaxcl.bench;

import io.github.softmaxcl.DeviceTensor;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.exec.Probes;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.kernel.Features;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxException;
import io.github.softmaxcl.kernel.Plan;
import io.github.softmaxcl.kernel.Planner;
import io.github.softmaxcl.kernel.Tunables;
import io.github.softmaxcl.kernel.Tuning;
import io.github.softmaxcl.kernel.Tuning.Bucket;
import io.github.softmaxcl.kernel.TuningSpace;
import io.github.softmaxcl.kernel.Variant;
import io.github.softmaxcl.reference.Comparison;
import io.github.softmaxcl.reference.Inputs;
import io.github.softmaxcl.reference.ReferenceSoftmax;
import java.io.PrintWriter;
import java.util.Locale;

/** Searches the tuning space for one engine's device. */
public final class Tuner {
    /** Timed runs per candidate (median). */
    static final int RUNS = 5;
    /** A candidate whose first run is this many times slower than the best so far is not timed further. */
    static final double SLOW_FACTOR = 5;

    private final SoftmaxEngine engine;
    private final boolean quick;
    private final PrintWriter log;

    /**
     * One bucket's outcome.
     *
     * @param entry the winner, as stored in the cache
     * @param plan the winner's plan on the bucket's shape
     * @param defaultPlan the shipped default's plan
     * @param defaultGbps the shipped default's GB/s in the same run
     * @param tried candidates timed
     * @param rejected candidates whose output failed the reference comparison
     * @param skipped candidates the device could not build or run
     */
    public record Result(Tuning.Entry entry, Plan plan, Plan defaultPlan, double defaultGbps, int tried, int rejected,
            int skipped) {}

    /**
     * @param engine the engine whose device to tune (its own tuning is ignored while tuning)
     * @param quick only each variant's defaults, on a quarter-size shape
     * @param log where to report each candidate (may be null)
     */
    public Tuner(SoftmaxEngine engine, boolean quick, PrintWriter log) {
        this.engine = engine;
        this.quick = quick;
        this.log = log;
    }

    /**
     * @param bucket the row-length bucket
     * @param precision the precision
     * @return the fastest correct candidate
     * @throws IllegalStateException if no candidate produced a correct result
     */
    public Result tune(Bucket bucket, ElementType precision) {
        int rows = bucket.rows();
        int cols = bucket.cols();
        if (quick) {
            if (rows >= 4) {
                rows /= 4;
            } else {
                cols /= 4;
            }
        }
        if (precision == ElementType.FLOAT64) { // the same bytes as float32
            if (rows >= 2) {
                rows /= 2;
            } else {
                cols /= 2;
            }
        }
        final int r = rows;
        final int c = cols;
        double bytes = 2.0 * r * c * precision.bytes();
        Comparison.Values input;
        double[] ref;
        Plan defaultPlan = Planner.plan(r, c, precision, Internals.core(engine).device(), null, 0, Tuning.NONE);
        Plan best = null;
        Tunables bestTunables = null;
        double bestGbps = 0;
        double defaultGbps = Double.NaN;
        int tried = 0;
        int rejected = 0;
        int skipped = 0;
        float[] xf = null;
        double[] xd = null;
        if (precision == ElementType.FLOAT32) {
            float[] x = Inputs.floats(Inputs.Pattern.ADVERSARIAL, r, c, 7);
            xf = x;
            input = i -> x[(int) i];
            ref = ReferenceSoftmax.softmax(x, r, c);
        } else {
            double[] x = Inputs.doubles(Inputs.Pattern.ADVERSARIAL, r, c, 7);
            xd = x;
            input = i -> x[(int) i];
            ref = ReferenceSoftmax.softmax(x, r, c);
        }
        float[] yf = xf == null ? null : new float[xf.length];
        double[] yd = xd == null ? null : new double[xd.length];
        io.github.softmaxcl.device.DeviceInfo device = Internals.core(engine).device();
        try (DeviceTensor in = engine.upload(xf != null ? HostTensor.of(xf, r, c) : HostTensor.of(xd, r, c));
                DeviceTensor out = engine.allocate(precision, r, c)) {
            for (Variant v : TuningSpace.variants(device)) {
                java.util.LinkedHashSet<Tunables> space = new java.util.LinkedHashSet<>();
                space.add(Tunables.DEFAULTS);
                space.addAll(TuningSpace.candidates(v, precision, quick));
                for (Tunables t : space) {
                    Plan plan;
                    try {
                        plan = Planner.configure(v, r, c, precision, device, 0, t);
                    } catch (IllegalArgumentException e) {
                        continue; // not applicable to this shape or device
                    }
                    long[] times = new long[RUNS];
                    try {
                        Probes.fill(Internals.data(out), Double.NaN);
                        long first = Probes.kernelNanos(Internals.data(in), Internals.data(out), plan,
                                Features.PLAIN); // warm-up and the checked run
                        out.download(yf != null ? HostTensor.of(yf, r, c) : HostTensor.of(yd, r, c));
                        final float[] ff = yf;
                        final double[] dd = yd;
                        Comparison cmp = Comparison.of(input, ff != null ? i -> ff[(int) i] : i -> dd[(int) i],
                                i -> ref[(int) i], r, c, precision);
                        if (!cmp.passed()) {
                            rejected++;
                            say("  %-50s REJECTED: %s", plan, cmp.firstFailure());
                            continue;
                        }
                        if (bestGbps > 0 && bytes / first < bestGbps / SLOW_FACTOR) {
                            skipped++; // correct but hopeless: do not spend RUNS more launches on it
                            say("  %-50s %8.2f GB/s (once; far slower than the best)", plan, bytes / first);
                            continue;
                        }
                        for (int i = 0; i < RUNS; i++) {
                            times[i] = Probes.kernelNanos(Internals.data(in), Internals.data(out), plan,
                                    Features.PLAIN);
                        }
                    } catch (SoftmaxException e) {
                        skipped++;
                        say("  %-50s skipped: %s", plan, e.getMessage().lines().findFirst().orElse(""));
                        continue;
                    }
                    tried++;
                    double gbps = bytes / Benchmark.median(times);
                    say("  %-50s %8.2f GB/s", plan, gbps);
                    if (plan.equals(defaultPlan)) {
                        defaultGbps = gbps;
                    }
                    if (gbps > bestGbps) {
                        bestGbps = gbps;
                        best = plan;
                        bestTunables = t;
                    }
                }
            }
        }
        if (best == null) {
            throw new IllegalStateException("no candidate produced a correct result for " + bucket + " " + precision);
        }
        return new Result(new Tuning.Entry(bucket, precision, best.variant(), bestTunables, bestGbps), best,
                defaultPlan, defaultGbps, tried, rejected, skipped);
    }

    private void say(String format, Object... args) {
        if (log != null) {
            log.println(String.format(Locale.ROOT, format, args));
            log.flush();
        }
    }
}
