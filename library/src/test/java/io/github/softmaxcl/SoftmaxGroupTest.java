/*
 * The device group on two devices: every row's result is bit-identical to what its device gives
 * computing the whole call alone (every op feature, element type and kind of host memory, in place
 * and gradients, under several splits); the split follows the weights in whole row groups, small
 * calls stay on the fastest device; calibration measures a slowed device as slower, is remembered
 * in the JVM and saved in the cache directory; results agree with the CPU reference; bad calls are
 * refused with messages naming the value.
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.GroupData.Kind;
import io.github.softmaxcl.exec.Calibration;
import io.github.softmaxcl.exec.Faults;
import io.github.softmaxcl.exec.GroupCore;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.reference.Inputs;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

@Tag("twodevices")
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SoftmaxGroupTest {
    private static final double[][] WEIGHTS = {{1, 1}, {3, 1}, {1, 5}};
    private final Map<String, SoftmaxGroup> groups = new LinkedHashMap<>();

    /** One call: an op on a shape of one type and kind of memory, forward, in place or backward. */
    enum Case {
        PLAIN(ElementType.FLOAT32, Kind.ARRAY, SoftmaxOp.softmax(), 1000, 300),
        LOG(ElementType.FLOAT32, Kind.DIRECT, SoftmaxOp.logSoftmax(), 1000, 300),
        TEMPERATURE(ElementType.FLOAT64, Kind.VIEW, SoftmaxOp.softmax().withTemperature(0.7), 700, 300),
        SHORT_ROWS(ElementType.FLOAT32, Kind.ARRAY, SoftmaxOp.softmax(), 40003, 8),
        FULL_MASK(ElementType.FLOAT32, Kind.ARRAY, SoftmaxOp.softmax().withMask(mask(1000 * 300)), 1000, 300),
        ROW_MASK(ElementType.FLOAT16, Kind.DIRECT, SoftmaxOp.logSoftmax().withMask(mask(300))
                .withMaskedRows(MaskedRows.ZERO), 1000, 300),
        BFLOAT16(ElementType.BFLOAT16, Kind.VIEW, SoftmaxOp.softmax(), 1000, 300),
        AXIS_1_OF_3(ElementType.FLOAT32, Kind.DIRECT, SoftmaxOp.softmax().withAxis(1), 40, 100, 64),
        AXIS_0(ElementType.FLOAT32, Kind.ARRAY, SoftmaxOp.logSoftmax().withAxis(0), 600, 500),
        IN_PLACE(ElementType.FLOAT32, Kind.ARRAY, SoftmaxOp.softmax(), 1000, 300),
        IN_PLACE_DIRECT(ElementType.FLOAT64, Kind.DIRECT, SoftmaxOp.logSoftmax(), 1000, 300),
        BACKWARD(ElementType.FLOAT32, Kind.ARRAY, SoftmaxOp.softmax(), 1000, 300),
        BACKWARD_LOG(ElementType.FLOAT64, Kind.DIRECT, SoftmaxOp.logSoftmax().withTemperature(1.5), 1000, 300),
        BACKWARD_AXIS(ElementType.FLOAT32, Kind.VIEW, SoftmaxOp.softmax().withAxis(1), 40, 100, 64);

        final ElementType type;
        final Kind kind;
        final SoftmaxOp op;
        final long[] shape;

        Case(ElementType type, Kind kind, SoftmaxOp op, long... shape) {
            this.type = type;
            this.kind = kind;
            this.op = op;
            this.shape = shape;
        }

        boolean backward() {
            return name().startsWith("BACKWARD");
        }

        boolean inPlace() {
            return name().startsWith("IN_PLACE");
        }
    }

    private static byte[] mask(int n) {
        byte[] m = new byte[n];
        for (int i = 0; i < n; i++) {
            m[i] = (byte) (i % 7 == 3 || (i / 300) % 50 == 9 ? 0 : 1); // some masked entries, some whole rows
        }
        return m;
    }

    @BeforeAll
    void open() {
        for (double[] w : WEIGHTS) {
            groups.put(Arrays.toString(w), Internals.openGroup(TwoDevices.config(w)));
        }
    }

    @AfterAll
    void close() {
        groups.values().forEach(SoftmaxGroup::close);
    }

    Stream<Arguments> cases() {
        List<Arguments> out = new ArrayList<>();
        for (Case c : Case.values()) {
            for (String w : groups.keySet()) {
                out.add(Arguments.of(c, w));
            }
        }
        return out.stream();
    }

    /** The call on {@code group}, or (with {@code engine}) on that engine alone; returns the output's bytes. */
    private static byte[] call(Case c, SoftmaxGroup group, SoftmaxEngine engine, long seed) {
        GroupData x = GroupData.random(c.kind, c.type, seed, c.shape);
        byte[] before = x.bytes();
        if (c.backward()) {
            GroupData dy = GroupData.random(c.kind, c.type, seed + 1, c.shape);
            GroupData dx = GroupData.output(c.kind, c.type, c.shape);
            if (group != null) {
                group.backward(x.tensor, dy.tensor, dx.tensor, c.op);
            } else {
                engine.backward(x.tensor, dy.tensor, dx.tensor, c.op);
            }
            assertArrayEquals(before, x.bytes(), "backward changed y");
            return dx.bytes();
        }
        GroupData y = c.inPlace() ? x : GroupData.output(c.kind, c.type, c.shape);
        if (group != null) {
            group.forward(x.tensor, y.tensor, c.op);
        } else {
            engine.forward(x.tensor, y.tensor, c.op);
        }
        if (!c.inPlace()) {
            assertArrayEquals(before, x.bytes(), "forward changed its input");
        }
        return y.bytes();
    }

    @ParameterizedTest(name = "{0}, weights {1}")
    @MethodSource("cases")
    void everyRowIsBitIdenticalToItsDeviceAlone(Case c, String weights) {
        SoftmaxGroup group = groups.get(weights);
        GroupCore core = Internals.core(group);
        long seed = c.ordinal() * 31L + weights.hashCode();
        byte[] got = call(c, group, null, seed);
        long[] split = group.prepare(c.op, c.type, c.shape).split();
        long units = Arrays.stream(split).sum();
        long unitBytes = got.length / units;
        int parts = 0;
        long from = 0;
        for (int i = 0; i < split.length; i++) {
            if (split[i] > 0) {
                parts++;
                byte[] alone = call(c, null, core.engines().get(i), seed);
                int a = (int) (from * unitBytes);
                int b = (int) ((from + split[i]) * unitBytes);
                assertArrayEquals(Arrays.copyOfRange(alone, a, b), Arrays.copyOfRange(got, a, b),
                        "rows " + from + " to " + (from + split[i]) + " on device " + i + " of split "
                                + Arrays.toString(split));
            }
            from += split[i];
        }
        assertEquals(c == Case.AXIS_0 ? 1 : 2, parts, "devices used, split " + Arrays.toString(split));
    }

    @Test
    void resultsAgreeWithTheReference() {
        int rows = 3000;
        int cols = 250;
        float[] x = Inputs.floats(Inputs.Pattern.ADVERSARIAL, rows, cols, 7);
        for (SoftmaxGroup g : groups.values()) {
            Oracle.check(x, g.softmax(x, rows, cols), rows, cols, "group " + Arrays.toString(g.shares()));
        }
    }

    @Test
    void theSplitFollowsTheWeightsInWholeRowGroups() {
        SoftmaxGroup g = groups.get("[3.0, 1.0]");
        assertArrayEquals(new double[] {0.75, 0.25}, g.shares(), 1e-12);
        assertArrayEquals(new long[] {3000, 1000}, g.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, 4000, 300)
                .split());
        int group = Internals.core(Internals.core(g).engines().get(0)).rowGroup(8, ElementType.FLOAT32);
        long[] shortRows = g.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, 40003, 8).split();
        assertEquals(0, shortRows[0] % group, Arrays.toString(shortRows) + " in groups of " + group);
        assertEquals(40003, shortRows[0] + shortRows[1]);
        assertEquals(0.75, shortRows[0] / 40003.0, (double) group / 40003, Arrays.toString(shortRows));
        // Small calls stay on the faster device: a hand-over would cost more than the rows.
        assertArrayEquals(new long[] {1, 0}, g.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, 1, 300).split());
        assertArrayEquals(new long[] {0, 100}, groups.get("[1.0, 5.0]").prepare(SoftmaxOp.softmax(),
                ElementType.FLOAT32, 100, 100).split());
    }

    /**
     * Calibration sees a device that sleeps before each kernel as slower, and gives it fewer rows. The
     * sleep (150 ms a call) dwarfs the batch's compute time even on a loaded machine.
     */
    @Test
    void calibrationGivesASlowerDeviceFewerRows() {
        Faults slow = (call, chunk) -> {
            if (call.equals("clEnqueueNDRangeKernel")) {
                try {
                    Thread.sleep(150);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        };
        try (SoftmaxGroup g = Internals.openGroup(TwoDevices.config((double[]) null)
                .withFaults(i -> i == 1 ? slow : null))) {
            double[] s = g.shares();
            assertTrue(s[1] < 0.35, "the slowed device's share " + Arrays.toString(s));
            long[] split = g.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, 4096, 1024).split();
            assertEquals(s[0], split[0] / 4096.0, 0.01, Arrays.toString(split));
        }
    }

    @Test
    void calibrationIsRememberedForTheSameDevices() {
        double[] first;
        try (SoftmaxGroup g = Internals.openGroup(TwoDevices.config((double[]) null))) {
            first = g.shares();
        }
        try (SoftmaxGroup g = Internals.openGroup(TwoDevices.config((double[]) null))) {
            assertArrayEquals(first, g.shares(), "a second group on the same devices measures nothing");
        }
        // Two devices of one kind sharing the same cores: neither is much faster (a loaded machine
        // makes the measurement noisy, hence the wide bounds).
        assertTrue(first[0] > 0.1 && first[0] < 0.9, Arrays.toString(first));
    }

    @Test
    void withTuningTheCalibrationIsSavedInTheCacheDirectory(@TempDir Path dir) throws Exception {
        String old = System.getProperty("softmaxcl.cache");
        System.setProperty("softmaxcl.cache", dir.toString());
        try (SoftmaxGroup g = Internals.openGroup(TwoDevices.config((double[]) null)
                .withEngines(TwoDevices.config().engines().withTuning(true)))) {
            double[] shares = g.recalibrate();
            Path file = Calibration.file(Internals.core(g).devices());
            assertTrue(Files.isRegularFile(file), file + " missing; " + Arrays.toString(dir.toFile().list()));
            String text = Files.readString(file);
            for (DeviceDescription d : g.devices()) {
                assertTrue(text.contains("\n" + d.id() + "="), text);
            }
            assertArrayEquals(shares, g.shares(), 1e-12);
        } finally {
            if (old == null) {
                System.clearProperty("softmaxcl.cache");
            } else {
                System.setProperty("softmaxcl.cache", old);
            }
        }
    }

    /** The README's group example, line for line, each result checked against the reference. */
    @Test
    void theReadmeExampleRunsAsDocumented(@TempDir Path dir) {
        String old = System.getProperty("softmaxcl.cache");
        System.setProperty("softmaxcl.cache", dir.toString());
        int rows = 5000;
        int cols = 200;
        float[] logits = Inputs.floats(Inputs.Pattern.ADVERSARIAL, rows, cols, 9);
        float[] x = Inputs.floats(Inputs.Pattern.RANDOM, rows, cols, 10);
        float[] y = new float[rows * cols];
        try (SoftmaxGroup group = SoftmaxGroup.create("all")) {
            float[] probs = group.softmax(logits, rows, cols);
            Oracle.check(logits, probs, rows, cols, "group.softmax");
            group.forward(HostTensor.of(x, rows, cols), HostTensor.of(y, rows, cols), SoftmaxOp.logSoftmax());
            for (int i = 0; i < y.length; i++) {
                y[i] = (float) Math.exp(y[i]);
            }
            Oracle.check(x, y, rows, cols, "exp of group log-softmax");
            GroupPrimitive p = group.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, rows, cols);
            p.forward(HostTensor.of(x, rows, cols), HostTensor.of(y, rows, cols));
            Oracle.check(x, y, rows, cols, "prepared");
            assertEquals(rows, Arrays.stream(p.split()).sum());
            assertTrue(Arrays.stream(p.split()).filter(u -> u > 0).count() >= 2, Arrays.toString(p.split()));
        } finally {
            if (old == null) {
                System.clearProperty("softmaxcl.cache");
            } else {
                System.setProperty("softmaxcl.cache", old);
            }
        }
    }

    @Test
    void badCallsAreRefusedNamingTheValue() {
        SoftmaxGroup g = groups.get("[1.0, 1.0]");
        float[] x = new float[600];
        GroupPrimitive p = g.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, 2, 300);
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> p.forward(HostTensor.of(x, 3, 200), HostTensor.of(new float[600], 3, 200)));
        assertTrue(shape.getMessage().contains("[3, 200]"), shape.getMessage());
        IllegalArgumentException readOnly = assertThrows(IllegalArgumentException.class,
                () -> p.forward(HostTensor.of(x, 2, 300), HostTensor.of(java.nio.FloatBuffer.wrap(x)
                        .asReadOnlyBuffer(), 2, 300)));
        assertTrue(readOnly.getMessage().contains("y is read-only"), readOnly.getMessage());
        IllegalArgumentException masked = assertThrows(IllegalArgumentException.class,
                () -> g.backward(HostTensor.of(x, 2, 300), HostTensor.of(x, 2, 300), HostTensor.of(x, 2, 300),
                        SoftmaxOp.softmax().withMask(new byte[300])));
        assertTrue(masked.getMessage().contains("without its mask"), masked.getMessage());
        IllegalArgumentException axis = assertThrows(IllegalArgumentException.class,
                () -> g.prepare(SoftmaxOp.softmax().withAxis(2), ElementType.FLOAT32, 2, 300));
        assertTrue(axis.getMessage().contains("axis 2 is out of range"), axis.getMessage());
        IllegalArgumentException weights = assertThrows(IllegalArgumentException.class,
                () -> SoftmaxGroup.builder().devices(TwoDevices.spec()).weights(1, 2, 3).build());
        assertTrue(weights.getMessage().startsWith("3 weights for 2 devices"), weights.getMessage());
        assertThrows(IllegalArgumentException.class, () -> SoftmaxGroup.builder().weights(1, Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> SoftmaxGroup.builder().weights(0, 1));
    }

    @Test
    void aClosedGroupRefusesCalls() {
        SoftmaxGroup g = Internals.openGroup(TwoDevices.config(1, 1));
        GroupPrimitive p = g.prepare(SoftmaxOp.softmax(), ElementType.FLOAT32, 1000, 300);
        g.close();
        g.close();
        float[] x = new float[300_000];
        IllegalStateException e = assertThrows(IllegalStateException.class,
                () -> p.forward(HostTensor.of(x, 1000, 300), HostTensor.of(new float[x.length], 1000, 300)));
        assertTrue(e.getMessage().contains("closed"), e.getMessage());
        assertThrows(IllegalStateException.class, () -> g.softmax(x, 1000, 300));
    }
}
