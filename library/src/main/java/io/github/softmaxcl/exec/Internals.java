/*
 * The door from internal code (the command line, verify, bench, the tuner and the tests) to the
 * state behind public objects: an engine's or a device group's core, a tensor's data, an op's
 * spec, and engines and groups built with internal options (forced variants, poisoning, fault injection). The public package
 * registers the bridge when SoftmaxEngine is initialised; none of this is exported by the module.
 */
package io.github.softmaxcl.exec;

import io.github.softmaxcl.DeviceTensor;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxGroup;
import io.github.softmaxcl.SoftmaxOp;

/** Access to the internals of public objects. */
public final class Internals {
    /** Implemented by the public package. */
    public interface Bridge {
        /** @param e engine @return its core */
        EngineCore core(SoftmaxEngine e);

        /** @param c configuration @return a new engine */
        SoftmaxEngine open(EngineConfig c);

        /** @param t device tensor @return its data */
        DeviceData data(DeviceTensor t);

        /** @param t host tensor @return its data */
        HostData data(HostTensor t);

        /** @param op op @return its spec */
        OpSpec spec(SoftmaxOp op);

        /** @param c configuration @return a new device group */
        SoftmaxGroup openGroup(GroupConfig c);

        /** @param g group @return its core */
        GroupCore core(SoftmaxGroup g);
    }

    private static volatile Bridge bridge;

    private Internals() {}

    /**
     * Called once by SoftmaxEngine's static initialiser.
     *
     * @param b the bridge
     */
    public static void register(Bridge b) {
        bridge = b;
    }

    private static Bridge bridge() {
        if (bridge == null) {
            try {
                Class.forName(SoftmaxEngine.class.getName(), true, Internals.class.getClassLoader());
            } catch (ClassNotFoundException e) {
                throw new IllegalStateException(e);
            }
        }
        return bridge;
    }

    /** @param e an engine @return its core */
    public static EngineCore core(SoftmaxEngine e) {
        return bridge().core(e);
    }

    /**
     * @param c a configuration with internal options
     * @return an engine built with it
     * @throws io.github.softmaxcl.OpenClUnavailableException if there is no OpenCL platform
     */
    public static SoftmaxEngine open(EngineConfig c) {
        return bridge().open(c);
    }

    /** @param t a device tensor @return its data */
    public static DeviceData data(DeviceTensor t) {
        return bridge().data(t);
    }

    /** @param t a host tensor @return its data */
    public static HostData data(HostTensor t) {
        return bridge().data(t);
    }

    /** @param op an op @return its spec */
    public static OpSpec spec(SoftmaxOp op) {
        return bridge().spec(op);
    }

    /**
     * @param c a group configuration with internal options
     * @return a device group built with it
     * @throws io.github.softmaxcl.OpenClUnavailableException if there is no OpenCL platform
     * @throws IllegalArgumentException if the device list or the weights are bad
     */
    public static SoftmaxGroup openGroup(GroupConfig c) {
        return bridge().openGroup(c);
    }

    /** @param g a device group @return its core */
    public static GroupCore core(SoftmaxGroup g) {
        return bridge().core(g);
    }
}
