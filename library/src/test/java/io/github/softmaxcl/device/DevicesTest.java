/*
 * Device selection rules, checked on synthetic device lists (so every branch runs on a CPU-only
 * machine) and once against the real discovery.
 */
package io.github.softmaxcl.device;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

class DevicesTest {
    private static DeviceInfo fake(int p, int d, String name, DeviceType type) {
        return fake(p, d, name, type, false);
    }

    private static DeviceInfo fake(int p, int d, String name, DeviceType type, boolean simulator) {
        return new DeviceInfo(p, d, "platform" + p, name, "vendor", type, 8, 1000, 1L << 30, 65536, 1L << 28,
                256, true, false, simulator, "OpenCL 1.2", "OpenCL C 1.2", "1.0", null, null);
    }

    @Test
    void aSimulatorIsNeverTheDefaultNorAnyTypeSpecButCanBeNamed() {
        DeviceInfo grind = fake(0, 0, "Oclgrind Simulator", DeviceType.GPU, true);
        DeviceInfo cpu = fake(1, 0, "pthread-x86 CPU", DeviceType.CPU);
        List<DeviceInfo> both = List.of(grind, cpu);
        assertEquals(cpu, Devices.defaultDevice(both));
        assertThrows(IllegalArgumentException.class, () -> Devices.match(both, "gpu"));
        assertEquals(grind, Devices.match(both, "oclgrind"));
        assertEquals(grind, Devices.match(both, "0:0"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Devices.defaultDevice(List.of(grind)));
        assertTrue(e.getMessage().contains("--device oclgrind"), e.getMessage());
    }

    private final List<DeviceInfo> devices = List.of(
            fake(0, 0, "pthread-x86 CPU", DeviceType.CPU),
            fake(1, 0, "Some FPGA", DeviceType.ACCELERATOR),
            fake(2, 0, "NVIDIA H200", DeviceType.GPU),
            fake(2, 1, "NVIDIA H100", DeviceType.GPU));

    @Test
    void defaultPrefersGpuThenAcceleratorThenCpu() {
        assertEquals("NVIDIA H200", Devices.defaultDevice(devices).name());
        assertEquals("Some FPGA", Devices.defaultDevice(devices.subList(0, 2)).name());
        assertEquals("pthread-x86 CPU", Devices.defaultDevice(devices.subList(0, 1)).name());
    }

    @Test
    void specsByTypeIndexAndName() {
        assertEquals("pthread-x86 CPU", Devices.match(devices, "cpu").name());
        assertEquals("NVIDIA H200", Devices.match(devices, "GPU").name());
        assertEquals("Some FPGA", Devices.match(devices, "accelerator").name());
        assertEquals("NVIDIA H100", Devices.match(devices, "2:1").name());
        assertEquals("NVIDIA H100", Devices.match(devices, "h100").name());
        assertEquals("NVIDIA H200", Devices.match(devices, " nvidia ").name());
    }

    @Test
    void unmatchedSpecListsTheDevices() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Devices.match(devices, "3:0"));
        assertTrue(e.getMessage().contains("'3:0'") && e.getMessage().contains("NVIDIA H100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Devices.match(devices.subList(0, 1), "gpu"));
    }

    @Test
    void deviceListsForGroups() {
        assertEquals(List.of("2:0", "0:0"), Devices.matchAll(devices, "2:0, cpu").stream().map(DeviceInfo::id).toList());
        assertEquals(devices, Devices.matchAll(devices, "ALL"));
        assertEquals(List.of("2:1"), Devices.matchAll(devices, "h100").stream().map(DeviceInfo::id).toList());
        assertTrue(Devices.isList("all") && Devices.isList(" All ") && Devices.isList("0:0,0:1"));
        assertFalse(Devices.isList("gpu") || Devices.isList(null) || Devices.isList("allegro"));
        DeviceInfo grind = fake(3, 0, "Oclgrind Simulator", DeviceType.GPU, true);
        List<DeviceInfo> withSimulator = new java.util.ArrayList<>(devices);
        withSimulator.add(grind);
        assertEquals(devices, Devices.matchAll(withSimulator, "all"), "'all' leaves simulators out");
        assertEquals(grind, Devices.matchAll(withSimulator, "0:0,oclgrind").get(1), "named, a simulator is in");
    }

    @Test
    void badDeviceListsSayWhatIsWrong() {
        String[][] cases = {
            {"", "the device list is empty"},
            {" ", "the device list is empty"},
            {"0:0,,2:0", "device list '0:0,,2:0' has an empty item (number 2 of 3)"},
            {"0:0,", "device list '0:0,' has an empty item (number 2 of 2)"},
            {"all,0:0", "'all' already names every device and cannot be combined with others"},
            {"0:0,cpu", "names device 0:0 (pthread-x86 CPU) twice: as '0:0' and as 'cpu'"},
            {"2:0,nvidia", "names device 2:0 (NVIDIA H200) twice: as '2:0' and as 'nvidia'"},
            {"0:0,7:7", "device list '0:0,7:7': no OpenCL device matches '7:7'"},
        };
        for (String[] c : cases) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> Devices.matchAll(devices, c[0]), c[0]);
            assertTrue(e.getMessage().contains(c[1]), "'" + c[0] + "': " + e.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Devices.matchAll(List.of(fake(0, 0, "Oclgrind Simulator", DeviceType.GPU, true)), "all"));
        assertTrue(e.getMessage().contains("'all' names no device"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Devices.matchAll(devices, null));
    }

    @Test
    void realDiscoveryFindsADeviceWithSaneLimits() {
        List<DeviceInfo> real = Devices.discover();
        assertFalse(real.isEmpty());
        DeviceInfo d = Devices.select(null);
        assertTrue(d.maxWorkGroupSize() >= 1 && d.maxAllocBytes() > 0 && d.computeUnits() >= 1, d.describe());
        assertEquals(d, Devices.match(real, d.id()));
    }

    @Test
    void systemPropertyIsAConfiguredSpec() {
        if (System.getenv(Devices.ENV) != null) {
            return; // the environment variable takes precedence by design; nothing to check here
        }
        String old = System.getProperty(Devices.PROPERTY);
        try {
            System.setProperty(Devices.PROPERTY, "cpu");
            assertEquals("cpu", Devices.configuredSpec().orElseThrow());
            assertEquals(io.github.softmaxcl.device.DeviceType.CPU, Devices.select(null).type());
        } finally {
            if (old == null) {
                System.clearProperty(Devices.PROPERTY);
            } else {
                System.setProperty(Devices.PROPERTY, old);
            }
        }
    }
}
