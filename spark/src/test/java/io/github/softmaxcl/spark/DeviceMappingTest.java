/*
 * The rules that give a task its device, on synthetic device lists (GPUs on two platforms, a
 * simulator, a CPU-only machine) and on this machine's devices.
 */
package io.github.softmaxcl.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.DeviceType;
import io.github.softmaxcl.device.Devices;
import java.util.List;
import org.junit.jupiter.api.Test;

class DeviceMappingTest {
    private static DeviceInfo device(int p, int d, DeviceType type, String name, boolean simulator) {
        return new DeviceInfo(p, d, "platform " + p, name, "vendor", type, 1, 1, 1L << 30, 1 << 16, 1L << 28, 256,
                true, false, simulator, "OpenCL 3.0", "OpenCL C 1.2", "1", null, null);
    }

    private static final List<DeviceInfo> NODE = List.of(
            device(0, 0, DeviceType.CPU, "pthread", false),
            device(1, 0, DeviceType.GPU, "oclgrind", true),
            device(2, 0, DeviceType.GPU, "H200 a", false),
            device(2, 1, DeviceType.GPU, "H200 b", false),
            device(3, 0, DeviceType.GPU, "other vendor gpu", false));

    @Test
    void addressIIsTheIthGpuSkippingSimulators() {
        assertEquals("2:0", DeviceMapping.select(new String[] {"0"}, null, 5, NODE).id());
        assertEquals("2:1", DeviceMapping.select(new String[] {"1"}, null, 5, NODE).id());
        assertEquals("3:0", DeviceMapping.select(new String[] {"2", "0"}, "0:0", 5, NODE).id());
    }

    @Test
    void anAddressBeyondTheGpusIsRefusedListingThem() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DeviceMapping.select(new String[] {"3"}, null, 0, NODE));
        assertTrue(e.getMessage().contains("gpu address 3") && e.getMessage().contains("lists 3 GPU device(s)")
                && e.getMessage().contains("H200 b"), e.getMessage());
    }

    @Test
    void otherAddressesAreDeviceSpecs() {
        assertEquals("2:1", DeviceMapping.select(new String[] {"2:1"}, null, 0, NODE).id());
        assertEquals("3:0", DeviceMapping.select(new String[] {"other vendor"}, null, 0, NODE).id());
    }

    @Test
    void onAMachineWithoutGpusAddressesCountDevicesOfTheDefaultType() {
        List<DeviceInfo> cpus = List.of(device(0, 0, DeviceType.CPU, "a", false), device(0, 1, DeviceType.CPU, "b", false));
        assertEquals("0:1", DeviceMapping.select(new String[] {"1"}, null, 0, cpus).id());
    }

    @Test
    void withoutAddressesTheConfiguredListIsSpreadOverPartitions() {
        assertEquals("2:0", DeviceMapping.select(new String[0], "2:0, 2:1,3:0", 0, NODE).id());
        assertEquals("2:1", DeviceMapping.select(new String[0], "2:0, 2:1,3:0", 4, NODE).id());
        assertEquals("3:0", DeviceMapping.select(null, "2:0, 2:1,3:0", 5, NODE).id());
        assertThrows(IllegalArgumentException.class, () -> DeviceMapping.select(new String[0], " , ", 0, NODE));
        assertThrows(IllegalArgumentException.class, () -> DeviceMapping.select(new String[0], "9:9", 0, NODE));
    }

    @Test
    void withNeitherTheLibraryDefaultIsUsed() {
        // SOFTMAX_CL_DEVICE and softmaxcl.device are unset in the test JVM.
        assertTrue(Devices.configuredSpec().isEmpty());
        assertEquals("2:0", DeviceMapping.select(new String[0], null, 3, NODE).id());
        assertEquals("2:0", DeviceMapping.select(new String[0], "  ", 3, NODE).id());
    }

    @Test
    void thisMachinesTwoDevicesAreAddressesZeroAndOne() {
        List<DeviceInfo> here = ExecutorEngines.devices();
        assertTrue(here.stream().filter(d -> !d.simulator()).count() >= 2,
                "the Spark tests need two OpenCL devices (POCL_DEVICES=\"pthread pthread\" in surefire); found " + here);
        DeviceInfo first = DeviceMapping.select(new String[] {"0"}, null, 0, here);
        DeviceInfo second = DeviceMapping.select(new String[] {"1"}, null, 0, here);
        assertEquals(first.type(), second.type());
        assertTrue(!first.id().equals(second.id()));
        assertTrue(ExecutorEngines.forDevice(first) != ExecutorEngines.forDevice(second));
        assertTrue(ExecutorEngines.forDevice(first) == ExecutorEngines.forDevice(first), "one engine per device");
    }
}
