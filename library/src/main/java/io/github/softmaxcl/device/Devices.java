/*
 * Discovery and selection of OpenCL devices. Selection order: an explicit spec from the caller;
 * else SOFTMAX_CL_DEVICE (environment) or softmaxcl.device (system property); else the first GPU,
 * then the first accelerator, then the first CPU. A spec is `gpu`, `cpu`, `accelerator`, `P:D`
 * indices, or a case-insensitive substring of the device name. A device group takes a list: `all`,
 * or specs separated by commas.
 */
package io.github.softmaxcl.device;

import io.github.softmaxcl.OpenClUnavailableException;
import io.github.softmaxcl.cl.Cl;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import org.jocl.CL;
import org.jocl.cl_device_id;
import org.jocl.cl_platform_id;

/** Finds OpenCL devices and picks one. */
public final class Devices {
    /** Environment variable holding a device spec. */
    public static final String ENV = "SOFTMAX_CL_DEVICE";
    /** System property holding a device spec (checked after the environment variable). */
    public static final String PROPERTY = "softmaxcl.device";
    /** The device list naming every device but simulators. */
    public static final String ALL = "all";

    private Devices() {}

    /**
     * Lists every device of every platform. Serialised: a process's first discovery, made from
     * several threads at once (engines opened one per thread at start-up), crashed the JVM inside
     * PoCL (clGetDeviceInfo); discovery is rare and quick, so one at a time costs nothing.
     *
     * @return the devices in platform, then device order; never empty
     * @throws OpenClUnavailableException if the OpenCL loader is missing or no platform is registered
     */
    public static synchronized List<DeviceInfo> discover() {
        cl_platform_id[] platforms = platforms();
        List<DeviceInfo> out = new ArrayList<>();
        for (int p = 0; p < platforms.length; p++) {
            int[] n = new int[1];
            int status = CL.clGetDeviceIDs(platforms[p], CL.CL_DEVICE_TYPE_ALL, 0, null, n);
            if (status == CL.CL_DEVICE_NOT_FOUND || n[0] == 0) {
                continue;
            }
            Cl.check(status, "clGetDeviceIDs");
            cl_device_id[] ids = new cl_device_id[n[0]];
            Cl.check(CL.clGetDeviceIDs(platforms[p], CL.CL_DEVICE_TYPE_ALL, n[0], ids, null), "clGetDeviceIDs");
            for (int d = 0; d < ids.length; d++) {
                out.add(describe(p, d, platforms[p], ids[d]));
            }
        }
        if (out.isEmpty()) {
            throw new OpenClUnavailableException("OpenCL platforms exist but report no devices", null);
        }
        return out;
    }

    private static cl_platform_id[] platforms() {
        int[] n = new int[1];
        int status;
        try {
            status = CL.clGetPlatformIDs(0, null, n);
        } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
            throw new OpenClUnavailableException("the OpenCL ICD loader (libOpenCL.so.1) could not be loaded ("
                    + e.getMessage() + ")", e);
        }
        if (status == -1001 || (status == CL.CL_SUCCESS && n[0] == 0)) {
            throw new OpenClUnavailableException("the OpenCL loader found no registered platform (driver)", null);
        }
        Cl.check(status, "clGetPlatformIDs");
        cl_platform_id[] ids = new cl_platform_id[n[0]];
        Cl.check(CL.clGetPlatformIDs(n[0], ids, null), "clGetPlatformIDs");
        return ids;
    }

    private static DeviceInfo describe(int p, int d, cl_platform_id platform, cl_device_id id) {
        long typeBits = Cl.deviceLong(id, CL.CL_DEVICE_TYPE);
        DeviceType type = (typeBits & CL.CL_DEVICE_TYPE_GPU) != 0 ? DeviceType.GPU
                : (typeBits & CL.CL_DEVICE_TYPE_ACCELERATOR) != 0 ? DeviceType.ACCELERATOR
                : (typeBits & CL.CL_DEVICE_TYPE_CPU) != 0 ? DeviceType.CPU
                : DeviceType.OTHER;
        String name = Cl.deviceString(id, CL.CL_DEVICE_NAME);
        String platformName = Cl.platformString(platform, CL.CL_PLATFORM_NAME);
        long kinds = typeBits & (CL.CL_DEVICE_TYPE_GPU | CL.CL_DEVICE_TYPE_CPU | CL.CL_DEVICE_TYPE_ACCELERATOR);
        boolean simulator = Long.bitCount(kinds) > 1 || (name + " " + platformName).toLowerCase(Locale.ROOT)
                .contains("oclgrind");
        String extensions = Cl.deviceString(id, CL.CL_DEVICE_EXTENSIONS);
        boolean fp64 = extensions.contains("cl_khr_fp64") || Cl.deviceLong(id, CL.CL_DEVICE_DOUBLE_FP_CONFIG) != 0;
        return new DeviceInfo(p, d,
                platformName,
                name,
                Cl.deviceString(id, CL.CL_DEVICE_VENDOR),
                type,
                Cl.deviceInt(id, CL.CL_DEVICE_MAX_COMPUTE_UNITS),
                Cl.deviceInt(id, CL.CL_DEVICE_MAX_CLOCK_FREQUENCY),
                Cl.deviceLong(id, CL.CL_DEVICE_GLOBAL_MEM_SIZE),
                Cl.deviceLong(id, CL.CL_DEVICE_LOCAL_MEM_SIZE),
                Cl.deviceLong(id, CL.CL_DEVICE_MAX_MEM_ALLOC_SIZE),
                Cl.deviceSize(id, CL.CL_DEVICE_MAX_WORK_GROUP_SIZE),
                fp64,
                Cl.deviceInt(id, CL.CL_DEVICE_HOST_UNIFIED_MEMORY) != 0,
                simulator,
                Cl.deviceString(id, CL.CL_DEVICE_VERSION),
                Cl.deviceString(id, CL.CL_DEVICE_OPENCL_C_VERSION),
                Cl.deviceString(id, CL.CL_DRIVER_VERSION),
                platform, id);
    }

    /**
     * @return the spec from SOFTMAX_CL_DEVICE or, if unset, the softmaxcl.device property; empty if neither
     */
    public static Optional<String> configuredSpec() {
        String env = System.getenv(ENV);
        if (env != null && !env.isBlank()) {
            return Optional.of(env.trim());
        }
        String prop = System.getProperty(PROPERTY);
        return prop == null || prop.isBlank() ? Optional.empty() : Optional.of(prop.trim());
    }

    /**
     * Picks a device: {@code spec} if non-null, else the configured spec, else the default order.
     *
     * @param spec {@code gpu}, {@code cpu}, {@code accelerator}, {@code P:D}, or a name substring; may be null
     * @return the chosen device
     * @throws IllegalArgumentException if the spec matches no device (the message lists the devices)
     * @throws OpenClUnavailableException if there is no OpenCL platform
     */
    public static DeviceInfo select(String spec) {
        List<DeviceInfo> all = discover();
        String effective = spec != null && !spec.isBlank() ? spec.trim() : configuredSpec().orElse(null);
        return effective == null ? defaultDevice(all) : match(all, effective);
    }

    /**
     * A simulator (Oclgrind claims to be a GPU, a CPU and an accelerator at once) is never the
     * default: a demo or a benchmark would otherwise run one work-item at a time without saying so.
     *
     * @param all discovered devices, non-empty
     * @return the first GPU, else the first accelerator, else the first CPU, else the first device,
     *     simulators left out
     * @throws IllegalArgumentException if every device is a simulator (the message says how to name one)
     */
    public static DeviceInfo defaultDevice(List<DeviceInfo> all) {
        return all.stream().filter(d -> !d.simulator()).min(Comparator.comparingInt(d -> d.type().ordinal()))
                .orElseThrow(() -> new IllegalArgumentException("the only OpenCL devices are simulators ("
                        + all.stream().map(DeviceInfo::describe).toList() + "); name one to use it, e.g. --device "
                        + "oclgrind or " + ENV + "=oclgrind"));
    }

    /**
     * @param all discovered devices
     * @param spec a device spec
     * @return the first device matching the spec
     * @throws IllegalArgumentException if nothing matches
     */
    public static DeviceInfo match(List<DeviceInfo> all, String spec) {
        String s = spec.trim().toLowerCase(Locale.ROOT);
        Optional<DeviceInfo> found;
        switch (s) {
            case "gpu" -> found = firstOfType(all, DeviceType.GPU);
            case "cpu" -> found = firstOfType(all, DeviceType.CPU);
            case "accelerator" -> found = firstOfType(all, DeviceType.ACCELERATOR);
            default -> {
                if (s.matches("\\d+:\\d+")) {
                    found = all.stream().filter(d -> d.id().equals(s)).findFirst();
                } else {
                    found = all.stream().filter(d -> d.name().toLowerCase(Locale.ROOT).contains(s)).findFirst();
                }
            }
        }
        return found.orElseThrow(() -> new IllegalArgumentException("no OpenCL device matches '" + spec
                + "' (expected gpu, cpu, accelerator, P:D or part of a name); devices: "
                + all.stream().map(DeviceInfo::describe).toList()));
    }

    /**
     * @param spec a device spec or list, may be null
     * @return whether it names a device group: {@code all} or a comma-separated list
     */
    public static boolean isList(String spec) {
        return spec != null && (spec.contains(",") || spec.trim().equalsIgnoreCase(ALL));
    }

    /**
     * Picks the devices of a group.
     *
     * @param list {@code all} (every device but simulators, in discovery order), or specs as for
     *     {@link #select} separated by commas, e.g. {@code 0:0,0:1} or {@code gpu,cpu}
     * @return the devices in list order, each once
     * @throws IllegalArgumentException if the list is empty or has an empty item, {@code all} comes
     *     with other items, an item matches no device, or two items name the same device
     * @throws OpenClUnavailableException if there is no OpenCL platform
     */
    public static List<DeviceInfo> selectAll(String list) {
        return matchAll(discover(), list);
    }

    /**
     * @param all discovered devices
     * @param list as for {@link #selectAll}
     * @return the devices the list names
     * @throws IllegalArgumentException as for {@link #selectAll}
     */
    public static List<DeviceInfo> matchAll(List<DeviceInfo> all, String list) {
        if (list == null || list.isBlank()) {
            throw new IllegalArgumentException("the device list is empty (expected 'all' or specs separated by"
                    + " commas, e.g. 0:0,0:1)");
        }
        String[] items = list.split(",", -1);
        List<DeviceInfo> out = new ArrayList<>();
        List<String> named = new ArrayList<>();
        for (int i = 0; i < items.length; i++) {
            String item = items[i].trim();
            if (item.isEmpty()) {
                throw new IllegalArgumentException("device list '" + list + "' has an empty item (number " + (i + 1)
                        + " of " + items.length + ")");
            }
            if (item.equalsIgnoreCase(ALL)) {
                if (items.length > 1) {
                    throw new IllegalArgumentException("device list '" + list + "': 'all' already names every"
                            + " device and cannot be combined with others");
                }
                List<DeviceInfo> real = all.stream().filter(d -> !d.simulator()).toList();
                if (real.isEmpty()) {
                    throw new IllegalArgumentException("'all' names no device: the only OpenCL devices are"
                            + " simulators (" + all.stream().map(DeviceInfo::describe).toList() + "); list them"
                            + " by P:D to use them");
                }
                return real;
            }
            DeviceInfo d;
            try {
                d = match(all, item);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("device list '" + list + "': " + e.getMessage(), e);
            }
            int seen = out.stream().map(DeviceInfo::id).toList().indexOf(d.id());
            if (seen >= 0) {
                throw new IllegalArgumentException("device list '" + list + "' names device " + d.id() + " ("
                        + d.name() + ") twice: as '" + named.get(seen) + "' and as '" + item + "'");
            }
            out.add(d);
            named.add(item);
        }
        return out;
    }

    /** gpu, cpu and accelerator mean real devices: a simulator is chosen by its name or P:D only. */
    private static Optional<DeviceInfo> firstOfType(List<DeviceInfo> all, DeviceType type) {
        return all.stream().filter(d -> d.type() == type && !d.simulator()).findFirst();
    }
}
