/*
 * Builds each (kernel file, build options) program once per context and keeps it, together with
 * one kernel object per (program, function). The context and device are fixed by the owner, so
 * they are implicitly part of the key. Not thread-safe: the engine serialises access.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.cl.ClContext;
import io.github.softmaxcl.cl.ClKernel;
import io.github.softmaxcl.cl.ClProgram;
import java.util.LinkedHashMap;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Owns every program and kernel built for one context. */
public final class ProgramCache implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ProgramCache.class);

    private record Key(String file, String options) {}

    private record KernelKey(Key program, String function) {}

    private final ClContext context;
    private final Map<Key, ClProgram> programs = new LinkedHashMap<>();
    private final Map<KernelKey, ClKernel> kernels = new LinkedHashMap<>();

    /** @param context the context programs are built for; not owned */
    public ProgramCache(ClContext context) {
        this.context = context;
    }

    /**
     * @param file kernel file name
     * @param options build options
     * @param function kernel function name
     * @return the kernel, building its program on first use
     * @throws io.github.softmaxcl.cl.ClBuildException if the program does not compile
     */
    public ClKernel kernel(String file, String options, String function) {
        Key key = new Key(file, options);
        return kernels.computeIfAbsent(new KernelKey(key, function), k -> new ClKernel(program(key), function));
    }

    private ClProgram program(Key key) {
        ClProgram p = programs.get(key);
        if (p == null) {
            long t0 = System.nanoTime();
            p = ClProgram.build(context, key.file(), KernelSource.load(key.file()), key.options());
            programs.put(key, p);
            LOG.debug("built {} [{}] in {} ms", key.file(), key.options(), (System.nanoTime() - t0) / 1_000_000);
        }
        return p;
    }

    /** @return how many programs have been built */
    public int programCount() {
        return programs.size();
    }

    @Override
    public void close() {
        kernels.values().forEach(ClKernel::close);
        kernels.clear();
        programs.values().forEach(ClProgram::close);
        programs.clear();
    }
}
