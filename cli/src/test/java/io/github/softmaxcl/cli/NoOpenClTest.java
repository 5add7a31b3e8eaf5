/*
 * A machine without any OpenCL driver must get an error that says what to install, never a crash
 * or a silent skip. The ICD loader reads OCL_ICD_VENDORS, so a child JVM pointed at an empty vendor
 * directory sees exactly what a fresh machine without PoCL or a GPU driver sees.
 */
package io.github.softmaxcl.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.OpenClUnavailableException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoOpenClTest {
    @TempDir
    Path emptyVendors;

    @Test
    void noPlatformFailsWithTheInstallHint() throws Exception {
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        ProcessBuilder pb = new ProcessBuilder(List.of(java.toString(), "-cp", System.getProperty("java.class.path"),
                Main.class.getName(), "eval", "1", "2"));
        pb.environment().put("OCL_ICD_VENDORS", emptyVendors.toString());
        pb.redirectErrorStream(true);
        Process p = pb.start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "child JVM hung");
        assertEquals(1, p.exitValue(), output);
        assertTrue(output.contains("No OpenCL platform found"), output);
        assertTrue(output.contains("ocl-icd-libopencl1 pocl-opencl-icd"), output);
        assertTrue(OpenClUnavailableException.INSTALL_HINT.contains("ocl-icd-libopencl1 pocl-opencl-icd"));
        assertTrue(!output.contains("\tat "), "no stack trace: " + output);
    }
}
