/*
 * Every kernel file on its own: it opens with a paragraph saying what it is for, keeps FP_CONTRACT off,
 * declares exactly the kernels its definition (Variant or AxisKernels) enqueues, and builds on the
 * device alone, both as the host loads it (includes inlined from the classpath) and standalone with
 * -I kernels, for every element type and every combination of the family's options, and with the
 * tunables the host passes.
 */
package io.github.softmaxcl.kernel;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClProgram;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class KernelFilesTest extends ClTest {
    private static final Path DIR = Path.of("..", "kernels");
    private static final Pattern KERNEL = Pattern.compile("__kernel\\b[^;{]*?\\bvoid\\s+(\\w+)\\s*\\(");
    private static final String[] FEATURES = {"-DLOG_SOFTMAX", "-DSCALED", "-DHAS_MASK", "-DMASKED_ZERO"};

    /** Every kernel file and the functions it must declare, from the definitions the host launches. */
    static Map<String, List<String>> definitions() {
        Map<String, List<String>> m = new LinkedHashMap<>();
        for (Variant v : Variant.values()) {
            m.put(v.file(), v.kernels());
        }
        for (AxisKernels.KernelFile f : AxisKernels.ALL) {
            m.put(f.name(), f.kernels());
        }
        m.put("copy.cl", List.of("copy_words"));
        return m;
    }

    static List<String> files(String suffix) throws IOException {
        try (Stream<Path> s = Files.list(DIR)) {
            return s.map(p -> p.getFileName().toString()).filter(n -> n.endsWith(suffix)).sorted().toList();
        }
    }

    static List<String> declaredKernels(String text) {
        List<String> names = new ArrayList<>();
        Matcher m = KERNEL.matcher(text);
        while (m.find()) {
            names.add(m.group(1));
        }
        return names;
    }

    @Test
    void everyFileSaysWhatItIsForAndKeepsContractionOff() throws IOException {
        List<String> all = new ArrayList<>(files(".cl"));
        all.addAll(files(".clh"));
        for (String f : all) {
            String text = Files.readString(DIR.resolve(f));
            assertTrue(text.startsWith("/*\n * " + f + " - "), f + " opens with a paragraph naming itself");
            String loaded = KernelSource.load(f); // packaged on the classpath, includes resolvable
            int pragma = loaded.indexOf("#pragma OPENCL FP_CONTRACT OFF");
            int kernel = loaded.indexOf("__kernel");
            assertTrue(pragma >= 0 && (kernel < 0 || pragma < kernel), f + ": FP_CONTRACT OFF before any kernel");
        }
    }

    @Test
    void eachFileDeclaresExactlyTheKernelsItsDefinitionLaunches() throws IOException {
        Map<String, List<String>> defs = definitions();
        assertEquals(new TreeSet<>(files(".cl")), new TreeSet<>(defs.keySet()), "every kernel file has a definition");
        for (Map.Entry<String, List<String>> e : defs.entrySet()) {
            assertEquals(e.getValue(), declaredKernels(Files.readString(DIR.resolve(e.getKey()))).stream().distinct()
                    .toList(), e.getKey()); // copy.cl defines its one kernel in two #if branches
        }
    }

    /** No options, each option alone, and every other combination: the 16 subsets of FEATURES. */
    static List<String> featureSets() {
        List<String> sets = new ArrayList<>();
        for (int bits = 0; bits < 1 << FEATURES.length; bits++) {
            StringBuilder sb = new StringBuilder();
            for (int i = 0; i < FEATURES.length; i++) {
                if ((bits & 1 << i) != 0) {
                    sb.append(' ').append(FEATURES[i]);
                }
            }
            sets.add(sb.toString().trim());
        }
        return sets;
    }

    static Stream<Arguments> softmaxFilesAndTypes() {
        List<Arguments> out = new ArrayList<>();
        for (String f : definitions().keySet()) {
            if (!f.equals("copy.cl")) {
                for (ElementType t : ElementType.values()) {
                    out.add(Arguments.of(f, t));
                }
            }
        }
        return out.stream();
    }

    private void build(String file, String source, String options) {
        try (ClProgram p = ClProgram.build(cl.context, file, source, options)) {
            for (String k : definitions().get(file)) {
                new ClKernel(p, k).close();
            }
        }
    }

    private void requireType(ElementType t) {
        assumeTrue(t != ElementType.FLOAT64 || cl.device.fp64(), "float64 needs cl_khr_fp64");
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("softmaxFilesAndTypes")
    void buildsAloneForEveryOptionSet(String file, ElementType type) {
        requireType(type);
        String source = KernelSource.load(file);
        for (String features : featureSets()) {
            build(file, source, BuildOptions.join(BuildOptions.type(type), features));
        }
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("softmaxFilesAndTypes")
    void buildsStandaloneWithAnIncludePath(String file, ElementType type) throws IOException {
        requireType(type);
        String raw = Files.readString(DIR.resolve(file));
        String include = "-I " + DIR.toAbsolutePath();
        build(file, raw, BuildOptions.join(include, BuildOptions.type(type), String.join(" ", FEATURES)));
    }

    @Test
    void buildsWithTheTunablesTheHostPasses() {
        String all = String.join(" ", FEATURES);
        for (ElementType type : new ElementType[] {ElementType.FLOAT32, ElementType.FLOAT16}) {
            for (Tunables t : List.of(new Tunables(2, 1, 64, 0), new Tunables(4, 4, 128, 0), new Tunables(8, 0, 0, 0),
                    new Tunables(16, 16, 256, 0))) {
                for (Variant v : Variant.values()) {
                    for (long cols : new long[] {1, 33, 64}) {
                        if (t.wg() > cl.device.maxWorkGroupSize()) {
                            continue;
                        }
                        Plan p = Planner.configure(v, 100, cols, type, cl.device, 0, t);
                        build(v.file(), KernelSource.load(v.file()), BuildOptions.join(p.buildOptions(), all));
                    }
                }
            }
            Features features = new Features(true, 0.5, true, true);
            for (AxisKernels.KernelFile f : AxisKernels.ALL) {
                build(f.name(), KernelSource.load(f.name()), AxisKernels.options(f, type, features));
            }
            int wg = Planner.defaultWorkGroup(cl.device);
            for (long k : new long[] {1, 29, 4096}) {
                build(AxisKernels.STRIDED.name(), KernelSource.load(AxisKernels.STRIDED.name()),
                        AxisKernels.StridedGroup.of(k, wg).options(type, features));
            }
        }
        for (int vec : new int[] {1, 16}) {
            build("copy.cl", KernelSource.load("copy.cl"), "-DVEC=" + vec);
        }
    }
}
