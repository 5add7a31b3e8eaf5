/*
 * How `verify` obtains what it verifies on a device. The command line uses the real engine (one
 * backend per kernel variant); tests substitute a deliberately wrong kernel to prove that the
 * verifier can fail.
 */
package io.github.softmaxcl.verify;

import io.github.softmaxcl.device.DeviceInfo;
import java.util.List;

/** Opens the backends to verify on one device. */
@FunctionalInterface
public interface BackendFactory {
    /** The real engine, one backend per kernel variant. */
    BackendFactory ENGINE_VARIANTS = EngineBackend::everyVariant;

    /**
     * @param device the device
     * @return the backends, at least one; the caller closes them
     * @throws io.github.softmaxcl.SoftmaxException if the device cannot be opened
     */
    List<SoftmaxBackend> open(DeviceInfo device);
}
