/*
 * The engines of one executor JVM: at most one per OpenCL device, opened by the first task that needs
 * it and shared by every later task (an engine serialises its calls, so tasks on one device take
 * turns on it, as they would on the device anyway). A JVM shutdown hook closes them all. Device
 * discovery runs once per JVM: a node's devices do not change while an executor lives.
 */
package io.github.softmaxcl.spark;

import io.github.softmaxcl.SoftmaxEngine;
import io.github.softmaxcl.device.DeviceInfo;
import io.github.softmaxcl.device.Devices;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.apache.spark.resource.ResourceInformation;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** One engine per device per JVM, closed at shutdown. */
final class ExecutorEngines {
    private static final Logger LOG = LoggerFactory.getLogger(ExecutorEngines.class);
    private static final ConcurrentHashMap<String, SoftmaxEngine> ENGINES = new ConcurrentHashMap<>();
    private static volatile List<DeviceInfo> devices;
    private static boolean hooked;

    private ExecutorEngines() {}

    /**
     * The engine for the running task's device (see {@link DeviceMapping}); outside a task (on the
     * driver), the one that the configuration or the library's default picks for partition 0.
     *
     * @return the shared engine; never close it
     * @throws io.github.softmaxcl.OpenClUnavailableException if the executor has no OpenCL platform
     * @throws IllegalArgumentException if the task's address or the configured spec names no device
     * @throws io.github.softmaxcl.SoftmaxException if the device cannot be opened
     */
    static SoftmaxEngine forCurrentTask() {
        TaskContext task = TaskContext.get();
        String[] addresses = new String[0];
        int partition = 0;
        if (task != null) {
            ResourceInformation gpu = task.resourcesJMap().get(DeviceMapping.RESOURCE);
            addresses = gpu == null ? addresses : gpu.addresses();
            partition = task.partitionId();
        }
        SparkEnv env = SparkEnv.get();
        String configured = env == null ? null : env.conf().get(DeviceMapping.DEVICES_CONF, null);
        return forDevice(DeviceMapping.select(addresses, configured, partition, devices()));
    }

    /**
     * @param device a device of this machine
     * @return its shared engine, opened now if it is the first use
     */
    static SoftmaxEngine forDevice(DeviceInfo device) {
        SoftmaxEngine e = ENGINES.get(device.id());
        return e != null ? e : ENGINES.computeIfAbsent(device.id(), ExecutorEngines::open);
    }

    /** @return the ids (P:D) of the devices this JVM has opened engines on, sorted */
    static Set<String> openDevices() {
        return new TreeSet<>(ENGINES.keySet());
    }

    /** @return the machine's OpenCL devices, discovered once */
    static List<DeviceInfo> devices() {
        List<DeviceInfo> d = devices;
        if (d == null) {
            synchronized (ExecutorEngines.class) {
                if (devices == null) {
                    devices = Devices.discover();
                }
                d = devices;
            }
        }
        return d;
    }

    private static SoftmaxEngine open(String id) {
        hookOnce();
        SoftmaxEngine e = SoftmaxEngine.create(id);
        LOG.info("softmax-cl engine opened for Spark tasks on {}", e.device().name() + " (" + id + ")");
        return e;
    }

    private static synchronized void hookOnce() {
        if (!hooked) {
            Runtime.getRuntime().addShutdownHook(new Thread(ExecutorEngines::closeAll, "softmax-cl-engines"));
            hooked = true;
        }
    }

    /** Closes every engine; the next task opens new ones. */
    static void closeAll() {
        for (String id : List.copyOf(ENGINES.keySet())) {
            SoftmaxEngine e = ENGINES.remove(id);
            if (e != null) {
                try {
                    e.close();
                } catch (RuntimeException ex) {
                    LOG.warn("closing the softmax-cl engine on {} failed: {}", id, ex.toString());
                }
            }
        }
    }
}
