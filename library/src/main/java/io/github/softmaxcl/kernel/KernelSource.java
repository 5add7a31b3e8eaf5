/*
 * Loads kernel sources from the classpath (they are packaged from the top-level kernels/ folder),
 * never from the filesystem, so the jar works from any working directory. Kernel files share their
 * helpers through `#include "name.clh"`; an OpenCL compiler given a source string has no include
 * path into a jar, so the loader inlines each include itself: recursively, each file once (the
 * headers' include guards would make a second copy empty anyway), with #line markers so that build
 * logs name the right file and line. A standalone build of a kernel file (an offline compiler, a
 * test) gets the same text from `-I kernels`.
 */
package io.github.softmaxcl.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads, expands and caches the text of the kernel files shipped in the jar. */
public final class KernelSource {
    private static final String ROOT = "/io/github/softmaxcl/kernels/";
    /** Only the quoted form names a project file; kernel files use no system headers. */
    private static final Pattern INCLUDE = Pattern.compile("^\\s*#\\s*include\\s+\"([A-Za-z0-9_.-]+)\"\\s*$");
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private KernelSource() {}

    /**
     * @param file a kernel file name such as {@code softmax_vector.cl}
     * @return its source text with every {@code #include "..."} inlined, ready for clBuildProgram
     * @throws IllegalArgumentException if the file, or a file it includes, is not packaged
     * @throws UncheckedIOException if one cannot be read
     */
    public static String load(String file) {
        return CACHE.computeIfAbsent(file, KernelSource::expand);
    }

    private static String expand(String file) {
        Set<String> included = new LinkedHashSet<>();
        StringBuilder body = new StringBuilder();
        inline(file, included, body);
        List<String> headers = new ArrayList<>(included);
        headers.remove(file);
        // The first line records what was inlined; #line 1 then restores the file's own numbering.
        return "/* " + file + " from the classpath" + (headers.isEmpty() ? "" : ", with "
                + String.join(", ", headers) + " inlined") + " */\n" + body;
    }

    private static void inline(String file, Set<String> included, StringBuilder out) {
        included.add(file);
        out.append("#line 1 \"").append(file).append("\"\n");
        String[] lines = read(file).split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            Matcher m = INCLUDE.matcher(lines[i]);
            if (!m.matches()) {
                out.append(lines[i]);
                if (i < lines.length - 1) {
                    out.append('\n');
                }
                continue;
            }
            String header = m.group(1);
            if (included.contains(header)) {
                out.append("/* ").append(header).append(": already included */\n");
            } else {
                inline(header, included, out);
                out.append("\n#line ").append(i + 2).append(" \"").append(file).append("\"\n");
            }
        }
    }

    private static String read(String file) {
        try (InputStream in = KernelSource.class.getResourceAsStream(ROOT + file)) {
            if (in == null) {
                throw new IllegalArgumentException("kernel file not found on the classpath: " + ROOT + file);
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read kernel " + file, e);
        }
    }
}
