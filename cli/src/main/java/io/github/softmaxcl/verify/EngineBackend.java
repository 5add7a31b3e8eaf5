/*
 * Adapts SoftmaxEngine to SoftmaxBackend, one engine per forced kernel variant, so that `verify`
 * checks every code path a shape can take rather than only the one the planner happens to pick.
 * Engines are opened once per device and variant and reused for every case (program builds are
 * the expensive part), with NaN-poisoned outputs so an element a kernel forgets to write shows up.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.Internals;
import io.github.softmaxcl.kernel.Variant;
import java.util.ArrayList;
import java.util.List;

/** A {@link SoftmaxBackend} running one kernel variant of the real engine. */
public final class EngineBackend implements SoftmaxBackend {
    private final SoftmaxEngine engine;
    private final String name;

    /**
     * @param engine the engine, owned (closed) by this backend from now on
     * @param name the label shown in reports
     */
    public EngineBackend(SoftmaxEngine engine, String name) {
        this.engine = engine;
        this.name = name;
    }

    /**
     * Opens one poisoning engine per kernel variant on a device.
     *
     * @param device the device
     * @return one backend per {@link Variant}, in declaration order
     * @throws io.github.softmaxcl.SoftmaxException if the device cannot be opened
     */
    public static List<SoftmaxBackend> everyVariant(DeviceInfo device) {
        List<SoftmaxBackend> out = new ArrayList<>();
        try {
            for (Variant v : Variant.values()) {
                out.add(new EngineBackend(Internals.open(EngineConfig.DEFAULT.withDevice(device).withVariant(v)
                        .withPoison(true)), v.name()));
            }
            return out;
        } catch (RuntimeException e) {
            out.forEach(SoftmaxBackend::close);
            throw e;
        }
    }

    /** @return the engine this backend runs on (family cases use its whole API) */
    public SoftmaxEngine engine() {
        return engine;
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public String device() {
        return engine.device().id() + " " + engine.device().name();
    }

    @Override
    public boolean supportsFloat64() {
        return engine.device().fp64();
    }

    @Override
    public String cannotRun(long rows, long cols, ElementType precision) {
        try {
            Internals.core(engine).plan(rows, cols, precision);
            return null;
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
    }

    @Override
    public float[] softmax(float[] x, int rows, int cols) {
        return engine.softmax(x, rows, cols);
    }

    @Override
    public double[] softmax(double[] x, int rows, int cols) {
        return engine.softmax(x, rows, cols);
    }

    @Override
    public void close() {
        engine.close();
    }
}
