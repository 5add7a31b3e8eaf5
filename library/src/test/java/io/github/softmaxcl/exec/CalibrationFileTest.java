/*
 * The device group's calibration file, on synthetic devices (no OpenCL needed): what is written is
 * read back; a file for other devices, with a bad or missing speed, an unknown key or a damaged
 * line is ignored (the group then measures again), never an error.
 */
package io.github.softmaxcl.exec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.DeviceType;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CalibrationFileTest {
    @TempDir
    Path dir;
    private String old;

    private static DeviceInfo fake(int p, int d, String name, DeviceType type) {
        return new DeviceInfo(p, d, "platform" + p, name, "vendor", type, 8, 1000, 1L << 30, 65536, 1L << 28,
                256, true, false, false, "OpenCL 1.2", "OpenCL C 1.2", "1.0", null, null);
    }

    private final List<DeviceInfo> gpuAndCpu = List.of(fake(0, 0, "NVIDIA H200", DeviceType.GPU),
            fake(1, 0, "pthread-x86 CPU", DeviceType.CPU));

    @BeforeEach
    void useTempDir() {
        old = System.getProperty("softmaxcl.cache");
        System.setProperty("softmaxcl.cache", dir.toString());
    }

    @AfterEach
    void restore() {
        if (old == null) {
            System.clearProperty("softmaxcl.cache");
        } else {
            System.setProperty("softmaxcl.cache", old);
        }
    }

    @Test
    void whatIsSavedIsReadBack() {
        Calibration.remember(gpuAndCpu, new double[] {412.5, 9.75}, true);
        Path file = Calibration.file(gpuAndCpu);
        assertTrue(file.startsWith(dir), file.toString());
        assertArrayEquals(new double[] {412.5, 9.75}, Calibration.read(file, gpuAndCpu));
    }

    @Test
    void withoutTheFileNothingIsWritten() throws Exception {
        Calibration.remember(gpuAndCpu, new double[] {1, 2}, false);
        try (var files = Files.list(dir)) {
            assertTrue(files.findAny().isEmpty());
        }
    }

    @Test
    void aFileThatDoesNotFitIsIgnored() throws Exception {
        Calibration.remember(gpuAndCpu, new double[] {412.5, 9.75}, true);
        Path file = Calibration.file(gpuAndCpu);
        String good = Files.readString(file);
        List<DeviceInfo> swapped = List.of(gpuAndCpu.get(1), gpuAndCpu.get(0));
        assertNull(Calibration.read(file, swapped), "written for the devices in the other order");
        for (String bad : new String[] {good.replace("0:0=412.5", "0:0=-1"), good.replace("0:0=412.5", "0:0=NaN"),
            good.replace("0:0=412.5", "0:0=fast"), good.replace("0:0=412.5\n", ""), good + "2:0=3\n",
            good + "garbage\n", good.replace("NVIDIA H200", "NVIDIA H100"), "\u0000\u00ff\n"}) {
            Files.writeString(file, bad);
            assertNull(Calibration.read(file, gpuAndCpu), bad);
        }
        assertNull(Calibration.read(dir.resolve("missing.properties"), gpuAndCpu));
    }
}
