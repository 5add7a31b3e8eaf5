/*
 * Builds each (kernel file, build options) program once per context and keeps it, together with
 * one kernel object per (program, function). The context and device are fixed by the owner, so
 * they are implicitly part of the key. A failed build is tried once more at once (drivers fail
 * builds transiently), and a build that still fails records nothing, so the next call that needs
 * the program builds it again. Each kernel reads its limits on the device when it is made (logged at
 * DEBUG: work-group size, local and private memory). Not thread-safe: the engine serialises access.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.cl.ClBuildException;
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

    /** Called before each program build, so fault-injection tests can make a build fail. */
    @FunctionalInterface
    public interface BuildHook {
        /** Builds go ahead. */
        BuildHook NONE = (file, options) -> { };

        /**
         * @param file the kernel file about to be built (called again before a second attempt)
         * @param options its build options
         * @throws io.github.softmaxcl.cl.ClException to simulate clBuildProgram failing: a
         *     ClBuildException as a failed build (tried once more), any other as a failed call
         */
        void beforeBuild(String file, String options);
    }

    private record Key(String file, String options) {}

    private record KernelKey(Key program, String function) {}

    private final ClContext context;
    private final BuildHook hook;
    private final Map<Key, ClProgram> programs = new LinkedHashMap<>();
    private final Map<KernelKey, ClKernel> kernels = new LinkedHashMap<>();

    /** @param context the context programs are built for; not owned */
    public ProgramCache(ClContext context) {
        this(context, BuildHook.NONE);
    }

    /**
     * @param context the context programs are built for; not owned
     * @param hook called before each build
     */
    public ProgramCache(ClContext context, BuildHook hook) {
        this.context = context;
        this.hook = hook;
    }

    /**
     * @param file kernel file name
     * @param options build options
     * @param function kernel function name
     * @return the kernel, building its program on first use
     * @throws io.github.softmaxcl.cl.ClBuildException if the program does not compile
     * @throws io.github.softmaxcl.cl.ClException if the program or kernel cannot be created
     */
    public ClKernel kernel(String file, String options, String function) {
        Key key = new Key(file, options);
        // computeIfAbsent records no mapping when the build throws: no entry for a failed build.
        return kernels.computeIfAbsent(new KernelKey(key, function), k -> {
            ClKernel made = new ClKernel(program(key), function, context.device());
            LOG.debug("kernel {} of {} [{}]: {}", function, file, options, made.limits());
            return made;
        });
    }

    private ClProgram program(Key key) {
        ClProgram p = programs.get(key);
        if (p == null) {
            long t0 = System.nanoTime();
            p = build(key);
            programs.put(key, p); // only once built: a failed build leaves no entry
            LOG.debug("built {} [{}] in {} ms", key.file(), key.options(), (System.nanoTime() - t0) / 1_000_000);
        }
        return p;
    }

    /**
     * Builds once more after a failed build: PoCL fails about one build in a thousand while several
     * engines compile and launch (a file of its kernel cache disappears: "unable to rename temporary
     * ... No such file or directory"), and the same build then succeeds. A program that really does
     * not compile fails twice, at the cost of one more compilation on the way to the error.
     */
    private ClProgram build(Key key) {
        String source = KernelSource.load(key.file());
        try {
            hook.beforeBuild(key.file(), key.options());
            return ClProgram.build(context, key.file(), source, key.options());
        } catch (ClBuildException e) {
            LOG.warn("building {} [{}] failed, trying once more: {}", key.file(), key.options(),
                    e.buildLog().strip().lines().findFirst().orElse(e.getMessage()));
        }
        hook.beforeBuild(key.file(), key.options());
        return ClProgram.build(context, key.file(), source, key.options());
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
