/*
 * Global-memory traffic of the plans a GPU gets, counted exactly by the Oclgrind simulator, whose
 * instruction counter (OCLGRIND_INST_COUNTS=1) reports every kernel's global load and store bytes.
 * float32 rows that fit on chip (short rows staged through local memory, rows up to 16384 in
 * registers) must move 8 bytes per element: one read and one write. Longer rows (SPLIT) move 12, two
 * reads and one write, plus their (max, sum) pairs: each work-group writes one pair and reads its
 * row's pairs once, 8 * split * (split + 1) bytes per row. The any-axis kernel moves 8 when each
 * work-item's part of the axis stays in registers, else 12. The counts are asserted exactly; they do
 * not depend on the number of rows, so the shapes are small.
 *
 * Oclgrind reads its settings when it starts, so each shape runs in a child JVM that sees Oclgrind
 * alone (OCL_ICD_VENDORS) with its counter as the only OCLGRIND_ setting. Without Oclgrind the test
 * fails, naming the package to install (Oclgrind.icd).
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.reference.Inputs;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class GlobalBytesTest {
    private static final Pattern KERNEL = Pattern.compile("Instructions executed for kernel '(\\w+)'");
    private static final Pattern BYTES = Pattern.compile("^\\s*\\d+ - (load|store) global \\((\\d+) bytes\\)",
            Pattern.MULTILINE);
    private static final Pattern SPLIT = Pattern.compile("split=(\\d+)");

    @TempDir
    Path dir;

    /**
     * The child: one float32 call on Oclgrind with the shipped defaults; prints the plan first.
     * Arguments: rows, cols, and the axis (-1 for rows, 0 for the any-axis kernel over the rows).
     */
    public static void main(String[] args) {
        long rows = Long.parseLong(args[0]);
        long cols = Long.parseLong(args[1]);
        int axis = Integer.parseInt(args[2]);
        DeviceInfo device = Devices.select("oclgrind");
        System.out.println("plan " + (axis == -1 ? Planner.plan(rows, cols, ElementType.FLOAT32, device, null, 0,
                Tuning.NONE) : AxisKernels.StridedGroup.of(rows, Planner.defaultWorkGroup(device))));
        float[] x = Inputs.floats(Inputs.Pattern.RANDOM, (int) rows, (int) cols, 7);
        float[] y = new float[x.length];
        try (SoftmaxEngine e = Internals.open(EngineConfig.DEFAULT.withDevice(device).withTuning(false))) {
            e.forward(HostTensor.of(x, rows, cols), HostTensor.of(y, rows, cols), SoftmaxOp.softmax().withAxis(axis));
        }
        System.out.println("done");
    }

    /** Kernels run, and global bytes loaded and stored, as Oclgrind counted them. */
    record Counts(String plan, Set<String> kernels, long load, long store, String output) {}

    private Counts run(long rows, long cols, int axis) throws IOException, InterruptedException {
        Path vendors = Files.createDirectories(dir.resolve("vendors"));
        Files.writeString(vendors.resolve("oclgrind.icd"), Oclgrind.icd() + "\n");
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                GlobalBytesTest.class.getName(), Long.toString(rows), Long.toString(cols), Integer.toString(axis)));
        pb.environment().keySet().removeIf(k -> k.startsWith("OCLGRIND_") || k.equals("SOFTMAX_CL_DEVICE"));
        pb.environment().put("OCL_ICD_VENDORS", vendors.toString());
        pb.environment().put("OCLGRIND_INST_COUNTS", "1");
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "child JVM hung");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("done"), out);
        Matcher plan = Pattern.compile("^plan (.*)$", Pattern.MULTILINE).matcher(out);
        assertTrue(plan.find(), out);
        Set<String> kernels = new LinkedHashSet<>();
        Matcher k = KERNEL.matcher(out);
        while (k.find()) {
            kernels.add(k.group(1));
        }
        long load = 0;
        long store = 0;
        Matcher b = BYTES.matcher(out);
        while (b.find()) {
            long n = Long.parseLong(b.group(2));
            if (b.group(1).equals("load")) {
                load += n;
            } else {
                store += n;
            }
        }
        assertTrue(!kernels.isEmpty() && load > 0 && store > 0, "no instruction counts from Oclgrind:\n" + out);
        return new Counts(plan.group(1), kernels, load, store, out);
    }

    @ParameterizedTest(name = "{0}x{1}: {2}")
    @CsvSource({"1000, 10, ROWS", "300, 32, ROWS", "3, 33, REGISTERS", "8, 4096, REGISTERS",
        "4, 16384, REGISTERS"})
    void rowsThatFitOnChipAreReadOnceAndWrittenOnce(long rows, long cols, String variant) throws Exception {
        Counts c = run(rows, cols, -1);
        assertTrue(c.plan().startsWith(variant + "("), c.plan());
        long n = rows * cols;
        assertEquals(4 * n, c.load(), c.plan() + ": bytes loaded");
        assertEquals(4 * n, c.store(), c.plan() + ": bytes stored");
    }

    @ParameterizedTest(name = "{0}x{1}")
    @CsvSource({"2, 16385", "2, 65536", "1, 262144"})
    void longRowsAreReadTwiceAndTheirPairsOncePerWorkGroup(long rows, long cols) throws Exception {
        Counts c = run(rows, cols, -1);
        Matcher m = SPLIT.matcher(c.plan());
        assertTrue(c.plan().startsWith("SPLIT(") && m.find(), c.plan());
        long split = Long.parseLong(m.group(1));
        long n = rows * cols;
        long pairs = rows * split * 8; // one (max, sum) pair per work-group
        assertEquals(8 * n + split * pairs, c.load(), c.plan() + ": bytes loaded");
        assertEquals(4 * n + pairs, c.store(), c.plan() + ": bytes stored");
        double perElement = (double) (c.load() + c.store()) / n;
        assertTrue(perElement <= 12.01, c.plan() + ": " + perElement + " bytes per element");
    }

    @Test
    void theAnyAxisKernelKeepsShortPartsInRegisters() throws Exception {
        Counts shortAxis = run(40, 64, 0);
        assertEquals(Set.of("softmax_strided"), shortAxis.kernels(), shortAxis.output());
        assertEquals(40 * 64 * 4, shortAxis.load(), shortAxis.plan());
        assertEquals(40 * 64 * 4, shortAxis.store(), shortAxis.plan());
        Counts longAxis = run(600, 64, 0);
        assertEquals(600 * 64 * 8, longAxis.load(), longAxis.plan());
        assertEquals(600 * 64 * 4, longAxis.store(), longAxis.plan());
    }
}
