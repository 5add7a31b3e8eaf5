/*
 * The planner against the published limits of current GPUs (GpuProfiles): for every profile, element
 * type and row length from 1 to 16M elements, the plan is a GPU plan whose work-group fits the
 * profile, whose buffers fit its largest allocation, and whose kernels, built with the plan's options,
 * fit its local memory and private budget; then the plans at the planner's thresholds, any axis and
 * gradients run on this machine's device through a launcher that plans for the profile, every launch
 * checked against the profile and every result against the reference. The simulator checks
 * (OclgrindTest) run the same plans on Oclgrind.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.GpuProfiles;
import io.github.softmaxcl.device.GpuProfiles.Profile;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;

class GpuProfilesTest extends ClTest {
    private static final Features ALL = new Features(true, 0.5, true, true);

    /** Row lengths from 1 to 16M: every power of two and its neighbours, and each profile's thresholds. */
    private static TreeSet<Long> lengths(DeviceInfo d, ElementType t) {
        TreeSet<Long> cols = ProfileRun.thresholds(d, t);
        for (long c = 2; c <= 1L << 24; c <<= 1) {
            cols.addAll(List.of(c - 1, c, c + 1));
        }
        return cols;
    }

    @Test
    void everyPlanFitsEveryProfile() {
        Map<String, String> checked = new LinkedHashMap<>();
        for (Profile p : GpuProfiles.all()) {
            DeviceInfo d = p.device();
            for (ElementType t : ElementType.values()) {
                if (t == ElementType.FLOAT64 && !d.fp64()) {
                    continue;
                }
                for (long cols : lengths(d, t)) {
                    for (long rows : new long[] {1, 100_000}) {
                        Plan plan = Planner.plan(rows, cols, t, d, null, 0, Tuning.NONE);
                        String at = p.name() + ", " + t + ", " + rows + " x " + cols + ": " + plan;
                        assertFalse(plan.variant().isVector(), at + " is not a GPU plan");
                        assertTrue(plan.wg() <= d.maxWorkGroupSize(), at + ": work-group above the profile's");
                        assertTrue(cols * t.bytes() <= d.maxAllocBytes(), at + ": a row above the largest allocation");
                        assertTrue(2L * plan.split() * t.computeType().bytes() <= d.maxAllocBytes(),
                                at + ": one row's (max, sum) pairs above the largest allocation");
                        // The kernels as the plan builds them: with every option, the most code.
                        String options = BuildOptions.join(plan.buildOptions(), ALL.defines());
                        for (String function : plan.variant().kernels()) {
                            String problem = checked.computeIfAbsent(p.name() + " " + function + " [" + options + "]",
                                    k -> fits(p, plan.variant().file(), options, function, t));
                            assertEquals("", problem, at);
                        }
                    }
                }
            }
        }
        assertTrue(checked.size() >= 3 * GpuProfiles.all().size(), "kernels checked: " + checked.keySet());
    }

    /**
     * @return "" if the kernel fits the profile's local memory and private budget, else what does not.
     *     Local memory is what this device's compiler reports for the kernel; the 16-bit formats
     *     compute in float32 and declare the same local arrays, so their kernels are not built again.
     */
    private String fits(Profile p, String file, String options, String function, ElementType t) {
        long priv = PrivateArrays.bytes(file, options, function);
        if (priv > p.privateBudgetBytes()) {
            return function + " [" + options + "] holds " + priv + " B of private arrays, above " + p;
        }
        if (t == ElementType.FLOAT16 || t == ElementType.BFLOAT16) {
            return "";
        }
        long local = cl.programs.kernel(file, options, function).limits().localMemBytes();
        return local > p.device().localMemBytes() ? function + " [" + options + "] uses " + local
                + " B of local memory, above " + p : "";
    }

    @Test
    void privateArraysAreMeasuredFromTheKernelSources() {
        // softmax_registers.cl: v[ITEMS] of its compute type, plus the largest helper's arrays (hmax_v's
        // and hsum_v's copy of one vector, VEC values, 8 by default).
        assertEquals(16 * 4 + 8 * 4, PrivateArrays.bytes("softmax_registers.cl", "-DWG=256 -DITEMS=16",
                "softmax_registers"));
        assertEquals(4 * 8 + 8 * 8, PrivateArrays.bytes("softmax_registers.cl", "-DWG=256 -DITEMS=4 -DUSE_DOUBLE",
                "softmax_registers"));
        assertEquals(5, PrivateArrays.eval("(WG / TY) - 3", Map.of("WG", "64", "TY", "(4 * 2)"), 0));
    }

    @Test
    void profilePlansGiveTheReferenceOnThisDevice() {
        List<String> failures = new ArrayList<>();
        Map<String, Boolean> seen = new LinkedHashMap<>();
        for (Profile p : GpuProfiles.all()) {
            for (ProfileRun.Case c : ProfileRun.cases(p, false)) {
                if ((c.type() == ElementType.FLOAT64 && !cl.device.fp64())
                        || seen.putIfAbsent(ProfileRun.key(p, c), true) != null) {
                    continue;
                }
                String failure = ProfileRun.run(p, c, cl.context, cl.queue, cl.programs);
                if (failure != null) {
                    failures.add(failure);
                }
            }
        }
        assertTrue(failures.isEmpty(), failures.size() + " failures in " + seen.size() + " calls:\n"
                + String.join("\n", failures));
        assertTrue(seen.size() > 40, "calls: " + seen.size());
    }
}
