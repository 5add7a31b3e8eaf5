/*
 * The library's public surface: the module exports exactly one package, and that package holds
 * only the API types (no OpenCL handles or internal types leak through public signatures).
 */
package io.github.softmaxcl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.lang.module.ModuleDescriptor;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class ModuleTest {
    @Test
    void theModuleExportsOnlyTheApiPackage() throws Exception {
        java.nio.file.Path classes = java.nio.file.Path.of(
                SoftmaxEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = java.nio.file.Files.newInputStream(classes.resolve("module-info.class"))) {
            ModuleDescriptor d = ModuleDescriptor.read(in);
            assertEquals("io.github.softmaxcl", d.name());
            Set<String> exported = d.exports().stream().map(ModuleDescriptor.Exports::source)
                    .collect(Collectors.toSet());
            assertEquals(Set.of("io.github.softmaxcl"), exported);
            assertTrue(d.exports().stream().noneMatch(ModuleDescriptor.Exports::isQualified));
        }
    }

    @Test
    void publicSignaturesUseOnlyApiAndJdkTypes() {
        List<Class<?>> api = List.of(SoftmaxEngine.class, SoftmaxEngine.Builder.class, SoftmaxPrimitive.class,
                SoftmaxOp.class, HostTensor.class, DeviceTensor.class, Tensor.class, ElementType.class,
                MaskedRows.class, DeviceDescription.class);
        for (Class<?> c : api) {
            for (Method m : c.getDeclaredMethods()) {
                if (!Modifier.isPublic(m.getModifiers())) {
                    continue;
                }
                for (Class<?> t : m.getParameterTypes()) {
                    assertVisible(t, c + "." + m.getName());
                }
                assertVisible(m.getReturnType(), c + "." + m.getName());
            }
        }
    }

    private static void assertVisible(Class<?> t, String where) {
        Class<?> e = t.isArray() ? t.getComponentType() : t;
        String p = e.getPackageName();
        assertTrue(e.isPrimitive() || p.startsWith("java.") || p.equals("io.github.softmaxcl"),
                where + " exposes " + e.getName());
    }
}
