/*
 * The division of a call between a group's devices, as plain arithmetic: proportional to speed,
 * whole blocks of the row group, devices that cannot take part left out, small calls on the
 * fastest devices only, and every unit given to exactly one device.
 */
package io.github.softmaxcl.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class SplitTest {
    private static final long BIG = Split.MIN_PART_ELEMENTS; // one unit this long is worth a device

    @Test
    void proportionalToSpeed() {
        assertArrayEquals(new long[] {750, 250}, Split.of(new double[] {3, 1}, 1000, BIG, 1));
        assertArrayEquals(new long[] {500, 500}, Split.of(new double[] {2.5, 2.5}, 1000, BIG, 1));
        assertArrayEquals(new long[] {100, 200, 700}, Split.of(new double[] {1, 2, 7}, 1000, BIG, 1));
        // A GPU ten times a CPU's speed: 10/11 of the rows.
        assertArrayEquals(new long[] {9091, 909}, Split.of(new double[] {10, 1}, 10000, BIG, 1));
    }

    @Test
    void partsAreWholeBlocksOfTheRowGroupAndTheLastTakesTheTail() {
        long[] s = Split.of(new double[] {3, 1}, 40003, BIG, 16);
        assertArrayEquals(new long[] {30016, 9987}, s, "2501 blocks: 1875.75 and 625.25, the leftover to the first");
        long[] t = Split.of(new double[] {1, 1, 1}, 100, BIG, 16);
        assertEquals(0, t[0] % 16);
        assertEquals(0, t[1] % 16);
        assertEquals(100, Arrays.stream(t).sum());
    }

    @Test
    void aDeviceThatCannotTakePartGetsNothing() {
        assertArrayEquals(new long[] {0, 1000}, Split.of(new double[] {0, 1}, 1000, BIG, 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Split.of(new double[] {0, 0}, 10, BIG, 1));
        assertTrue(e.getMessage().contains("no device can take part"), e.getMessage());
    }

    @Test
    void smallCallsUseOnlyTheFastestDevices() {
        assertArrayEquals(new long[] {0, 1}, Split.of(new double[] {1, 2}, 1, 10, 1), "one row: the fastest");
        assertArrayEquals(new long[] {0, 1000}, Split.of(new double[] {1, 2}, 1000, 10, 1),
                "10,000 elements: one device");
        assertArrayEquals(new long[] {1, 0}, Split.of(new double[] {2, 2}, 1, BIG, 1), "ties: the first");
        // 3 parts' worth of elements over four devices: the slowest sits out.
        long[] s = Split.of(new double[] {4, 1, 3, 2}, 3 * BIG, 1, 1);
        assertEquals(0, s[1], Arrays.toString(s));
        assertTrue(s[0] > s[2] && s[2] > s[3] && s[3] > 0, Arrays.toString(s));
    }

    @Test
    void emptyCallsGiveNothingToAnyone() {
        assertArrayEquals(new long[] {0, 0}, Split.of(new double[] {1, 1}, 0, 100, 16));
        assertArrayEquals(new long[] {0, 0}, Split.of(new double[] {1, 1}, 0, 0, 1));
    }

    @Test
    void everyUnitGoesToExactlyOneDeviceInOrder() {
        SplittableRandom r = new SplittableRandom(5);
        for (int trial = 0; trial < 2000; trial++) {
            int n = 1 + r.nextInt(5);
            double[] w = new double[n];
            for (int i = 0; i < n; i++) {
                w[i] = r.nextInt(4) == 0 ? 0 : r.nextDouble(0.01, 100);
            }
            w[r.nextInt(n)] = 1; // at least one device takes part
            long units = r.nextLong(0, 1_000_000);
            int align = 1 << r.nextInt(6);
            long[] s = Split.of(w, units, r.nextLong(1, 1000), align);
            assertEquals(units, Arrays.stream(s).sum(), Arrays.toString(w));
            long from = 0;
            for (int i = 0; i < n; i++) {
                assertTrue(s[i] >= 0 && (w[i] > 0 || s[i] == 0), Arrays.toString(w) + " " + Arrays.toString(s));
                assertTrue(from % align == 0 || s[i] == 0, "part " + i + " starts at " + from);
                from += s[i];
            }
        }
    }

    @Test
    void badArgumentsAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> Split.of(new double[] {1, Double.NaN}, 10, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.of(new double[] {1, -1}, 10, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.of(new double[] {1}, -1, 1, 1));
        assertThrows(IllegalArgumentException.class, () -> Split.of(new double[] {1}, 10, 1, 0));
    }
}
