/*
 * Where `run` computes: one engine, or a device group when --device (or SOFTMAX_CL_DEVICE) is
 * `all` or a comma-separated list. Both take the same calls; the chunk size fits every device of a
 * group (the smallest buffer limit, a multiple of every device's row group), so a streamed file
 * gives each row the bits its device gives it in memory.
 */
package io.github.softmaxcl.cli;

import io.github.softmaxcl.DeviceDescription;
import io.github.softmaxcl.ElementType;
import io.github.softmaxcl.HostTensor;
import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.SoftmaxGroup;
import io.github.softmaxcl.SoftmaxOp;
import io.github.softmaxcl.device.Devices;
import io.github.softmaxcl.exec.EngineConfig;
import io.github.softmaxcl.exec.EngineCore;
import io.github.softmaxcl.exec.GroupConfig;
import io.github.softmaxcl.exec.Internals;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/** One engine or a device group, as the command line uses them. */
final class Target implements AutoCloseable {
    private final SoftmaxEngine engine;
    private final SoftmaxGroup group;
    private final List<EngineCore> cores = new ArrayList<>();

    private Target(SoftmaxEngine engine, SoftmaxGroup group) {
        this.engine = engine;
        this.group = group;
        if (group != null) {
            Internals.core(group).engines().forEach(e -> cores.add(Internals.core(e)));
        } else {
            cores.add(Internals.core(engine));
        }
    }

    /**
     * @param engines how engines are opened (internal options, e.g. fault injection in tests)
     * @param spec --device as given, or null
     * @return an engine for one device, a group for {@code all} or a list (also when it comes from
     *     SOFTMAX_CL_DEVICE)
     * @throws IllegalArgumentException if the spec or list names no device or is malformed
     */
    static Target open(EngineConfig engines, String spec) {
        String effective = spec != null && !spec.isBlank() ? spec : Devices.configuredSpec().orElse(null);
        if (Devices.isList(effective)) {
            return new Target(null, Internals.openGroup(GroupConfig.ALL.withDevices(effective).withEngines(engines)));
        }
        return new Target(Internals.open(engines.withSpec(spec)), null);
    }

    /** @return whether this is a device group */
    boolean isGroup() {
        return group != null;
    }

    /** @return the group, or null for one engine */
    SoftmaxGroup group() {
        return group;
    }

    void forward(HostTensor x, HostTensor y, SoftmaxOp op) {
        if (group != null) {
            group.forward(x, y, op);
        } else {
            engine.forward(x, y, op);
        }
    }

    /** @return the largest buffer every device allows a call, in bytes */
    long maxChunkBytes() {
        return cores.stream().mapToLong(EngineCore::maxChunkBytes).min().orElseThrow();
    }

    /** @return the rows a chunk boundary must respect on every device for identical bits */
    long rowGroup(long cols, ElementType type) {
        long g = 1;
        for (EngineCore c : cores) {
            long r = c.rowGroup(cols, type);
            g = g / gcd(g, r) * r;
        }
        return g;
    }

    private static long gcd(long a, long b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** @return the device's name, or the group's device names, for messages */
    String names() {
        return String.join(", ", cores.stream().map(c -> c.device().name()).distinct().toList());
    }

    /** @return e.g. "0:0 NAME" or "0:0, 0:1 (shares 0.52, 0.48)" */
    String describe() {
        if (group == null) {
            DeviceDescription d = engine.device();
            return d.id() + " " + d.name();
        }
        double[] s = group.shares();
        List<String> ids = new ArrayList<>();
        List<String> shares = new ArrayList<>();
        for (int i = 0; i < s.length; i++) {
            ids.add(group.devices().get(i).id());
            shares.add(String.format(Locale.ROOT, "%.2f", s[i]));
        }
        return String.join(", ", ids) + " (" + names() + "; shares " + String.join(", ", shares) + ")";
    }

    @Override
    public void close() {
        if (group != null) {
            group.close();
        } else {
            engine.close();
        }
    }
}
