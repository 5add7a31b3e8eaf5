/*
 * The library's public surface: the module exports exactly one package, that package holds only the
 * API types (no OpenCL handles or internal types leak through public signatures), and a project that
 * depends on the library gets JOCL and the SLF4J API and nothing else (module requires, pom scopes).
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
    void theModuleRequiresOnlyJoclAndTheSlf4jApi() throws Exception {
        java.nio.file.Path classes = java.nio.file.Path.of(
                SoftmaxEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        try (InputStream in = java.nio.file.Files.newInputStream(classes.resolve("module-info.class"))) {
            Set<String> required = ModuleDescriptor.read(in).requires().stream()
                    .map(ModuleDescriptor.Requires::name).collect(Collectors.toSet());
            assertEquals(Set.of("java.base", "jocl", "org.slf4j"), required);
        }
    }

    @Test
    void thePomGivesUsersOnlyJoclAndTheSlf4jApi() throws Exception {
        // The library module's own pom (the tests run in its directory): every dependency that reaches a
        // user (no scope, compile or runtime, not optional) must be one of the two. The tests compile
        // inside the library's module, which does not read java.xml, hence the patterns.
        String pom = java.nio.file.Files.readString(java.nio.file.Path.of("pom.xml"));
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<dependency>(.*?)</dependency>",
                java.util.regex.Pattern.DOTALL).matcher(pom);
        Set<String> shipped = new java.util.TreeSet<>();
        while (m.find()) {
            String d = m.group(1);
            String scope = tag(d, "scope");
            if (scope.equals("test") || scope.equals("provided") || tag(d, "optional").equals("true")) {
                continue;
            }
            shipped.add(tag(d, "groupId") + ":" + tag(d, "artifactId"));
        }
        assertEquals(Set.of("org.jocl:jocl", "org.slf4j:slf4j-api"), shipped);
    }

    private static String tag(String xml, String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("<" + name + ">\\s*(.*?)\\s*</" + name + ">")
                .matcher(xml);
        return m.find() ? m.group(1) : "";
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
