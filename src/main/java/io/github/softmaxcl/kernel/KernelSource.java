/*
 * Loads kernel sources from the classpath (they are packaged from the top-level kernels/ folder),
 * never from the filesystem, so the jar works from any working directory.
 */
package io.github.softmaxcl.kernel;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/** Reads and caches the text of the kernel files shipped in the jar. */
public final class KernelSource {
    private static final String ROOT = "/io/github/softmaxcl/kernels/";
    private static final Map<String, String> CACHE = new ConcurrentHashMap<>();

    private KernelSource() {}

    /**
     * @param file a kernel file name such as {@code softmax.cl}
     * @return its source text
     * @throws IllegalArgumentException if no such kernel file is packaged
     * @throws UncheckedIOException if it cannot be read
     */
    public static String load(String file) {
        return CACHE.computeIfAbsent(file, KernelSource::read);
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
