/*
 * How kernel files include their shared headers when the sources come from the classpath: every
 * #include "..." is inlined, recursively and once per file, the expanded text records what it inlined,
 * and #line markers make a compiler's messages name the original file and line.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.github.softmaxcl.cl.ClBuildException;
import io.github.softmaxcl.cl.ClProgram;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class KernelSourceTest {
    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    @Test
    void includesAreInlinedRecursivelyOnceEachAndRecorded() {
        String s = KernelSource.load("softmax_registers.cl");
        assertTrue(s.startsWith("/* softmax_registers.cl from the classpath, with softmax_workgroup.clh, "
                + "softmax_common.clh, softmax_storage.clh inlined */\n"), s.lines().findFirst().orElse(""));
        assertFalse(s.lines().anyMatch(l -> l.trim().startsWith("#include")), "no include is left to the compiler");
        assertEquals(1, count(s, "#define SOFTMAX_STORAGE_CLH"));
        assertEquals(1, count(s, "#define SOFTMAX_COMMON_CLH"));
        assertEquals(1, count(s, "__kernel"));
    }

    @Test
    void lineMarkersPointBackAtTheIncludingFile() throws Exception {
        List<String> raw = Files.readAllLines(Path.of("..", "kernels", "softmax_registers.cl"));
        int include = raw.indexOf("#include \"softmax_workgroup.clh\"") + 1; // 1-based
        String s = KernelSource.load("softmax_registers.cl");
        assertTrue(s.contains("#line 1 \"softmax_registers.cl\"\n"));
        assertTrue(s.contains("#line 1 \"softmax_storage.clh\"\n"));
        assertTrue(s.contains("#line " + (include + 1) + " \"softmax_registers.cl\"\n"), "after the header");
    }

    @Test
    void aSecondIncludeOfTheSameFileIsDropped() {
        String s = KernelSource.load("test_broken.cl");
        assertEquals(1, count(s, "#define SOFTMAX_STORAGE_CLH"));
        assertTrue(s.contains("/* softmax_storage.clh: already included */"));
    }

    @Test
    void aMissingIncludeIsNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> KernelSource.load("test_missing.cl"));
        assertTrue(e.getMessage().contains("no_such_header.clh"), e.getMessage());
    }

    @Test
    void buildErrorsNameTheOriginalFileAndLine() {
        try (ClFixture cl = new ClFixture()) {
            ClBuildException e = assertThrows(ClBuildException.class,
                    () -> ClProgram.build(cl.context, "test_broken.cl", KernelSource.load("test_broken.cl"), ""));
            assertTrue(e.getMessage().contains("test_broken.cl:5:"), e.getMessage());
        }
    }
}
