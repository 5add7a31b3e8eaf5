/*
 * The limits of GPUs users have, from their vendors' published figures, as devices the planner can
 * plan for without the hardware: tests plan every shape for each of them and check that the plans'
 * work-groups, local memory, private arrays and buffers fit, and run those plans on the simulator and
 * the CPU. Figures are what each vendor's OpenCL driver reports or documents (a work-group limit of
 * 256 on AMD's, 48 KiB of local memory on NVIDIA's), not what another API of the same GPU allows.
 *
 * Sources (each profile names its own):
 *   [cuda]   NVIDIA CUDA C++ Programming Guide, "Features and Technical Specifications", table
 *            "Technical Specifications per Compute Capability" (1024 threads per block, 48 KiB of
 *            static shared memory per block, 255 32-bit registers per thread, for 8.9, 9.0, 10.0):
 *            https://docs.nvidia.com/cuda/cuda-c-programming-guide/index.html#features-and-technical-specifications
 *   [h100]   NVIDIA H100 Tensor Core GPU datasheet (H100 SXM5: 132 SMs, 80 GB) and the Hopper
 *            tuning guide: https://docs.nvidia.com/cuda/hopper-tuning-guide/index.html
 *   [h200]   NVIDIA H200 Tensor Core GPU datasheet (141 GB HBM3e; the GH100 die of H100 SXM5):
 *            https://www.nvidia.com/en-us/data-center/h200/
 *   [b200]   NVIDIA DGX B200 datasheet (8 GPUs, 1,440 GB in all) and the Blackwell tuning guide
 *            (148 SMs): https://docs.nvidia.com/cuda/blackwell-tuning-guide/index.html
 *   [ada]    NVIDIA Ada GPU architecture whitepaper and tuning guide (L4: 58 SMs, 24 GB; GeForce
 *            RTX 4090: 128 SMs, 24 GB): https://docs.nvidia.com/cuda/ada-tuning-guide/index.html
 *   [rocm]   AMD ROCm documentation, "AMD GPU specifications" (MI300X: 304 CUs, 192 GiB, 64 KiB
 *            LDS, 512 KiB VGPR file per CU; Radeon RX 7900 XTX: 96 CUs, 24 GiB, 64 KiB LDS):
 *            https://rocm.docs.amd.com/en/latest/reference/gpu-specs.html
 *   [rocmcl] ROCm's OpenCL runtime reports a work-group limit of 256 (the hardware's is 1024), as
 *            its maintainers explain in https://github.com/ROCm/legacy-rocm-build/issues/1388
 *   [pvc]    Intel oneAPI GPU Optimization Guide, "Intel Data Center GPU Max Series" (1550: 128
 *            Xe-cores of 8 vector engines, 128 GB HBM2e, 128 KiB shared local memory per Xe-core,
 *            1024 work-items per work-group, 128 registers of 64 bytes per thread):
 *            https://www.intel.com/content/www/us/en/docs/oneapi/optimization-guide-gpu/current/intel-xe-gpu-architecture.html
 *   [arc]    Intel Arc A770 specifications (32 Xe-cores, 16 GB, no FP64 in the OpenCL driver):
 *            https://www.intel.com/content/www/us/en/products/sku/229151/intel-arc-a770-graphics-16gb/specifications.html
 *   [neo]    Intel compute-runtime, "Allocations greater than 4GB": the driver's largest allocation
 *            is 4 GiB by default:
 *            https://github.com/intel/compute-runtime/blob/master/programmers-guide/ALLOCATIONS_GREATER_THAN_4GB.md
 *   [cl12]   The OpenCL 1.2 specification, table 4.3: CL_DEVICE_MAX_MEM_ALLOC_SIZE is at least a
 *            quarter of global memory. NVIDIA's driver reports that; AMD documents no figure, so the
 *            minimum is assumed there too.
 * Clock rates are left at 0: nothing plans by them.
 */
package io.github.softmaxcl.device;

import java.util.List;
import java.util.Locale;

/** Device profiles of current GPUs, for planning and checking without the hardware. */
public final class GpuProfiles {
    private static final long KIB = 1L << 10;
    private static final long GIB = 1L << 30;

    /**
     * One GPU's limits.
     *
     * @param device the limits as a device (no OpenCL handles: planning only)
     * @param privateBudgetBytes the private memory one work-item may hold in arrays without leaving
     *     registers: half of the registers one work-item may have, the other half left for everything
     *     else a kernel keeps
     * @param source the published figures it comes from
     */
    public record Profile(DeviceInfo device, long privateBudgetBytes, String source) {
        /** @return the GPU's name */
        public String name() {
            return device.name();
        }

        @Override
        public String toString() {
            return device.name() + " (" + device.maxWorkGroupSize() + " work-items, " + (device.localMemBytes() >> 10)
                    + " KiB local, " + privateBudgetBytes + " B private, " + (device.maxAllocBytes() >> 20)
                    + " MiB max allocation" + (device.fp64() ? ", fp64" : "") + ")";
        }
    }

    private GpuProfiles() {}

    /** @return every profile: NVIDIA Hopper, Blackwell and Ada; AMD CDNA3 and RDNA3; Intel Xe-HPC and Xe-HPG */
    public static List<Profile> all() {
        return List.of(
                // NVIDIA: 1024 work-items, 48 KiB local memory, 255 registers of 4 bytes per thread [cuda];
                // the largest allocation is a quarter of global memory [cl12].
                nvidia("NVIDIA H100 SXM5 80GB", 132, 80L * GIB, "[cuda] [h100]"),
                nvidia("NVIDIA H200 SXM 141GB", 132, 141L * GIB, "[cuda] [h200]"),
                nvidia("NVIDIA B200 180GB", 148, 180L * GIB, "[cuda] [b200]"),
                nvidia("NVIDIA L4", 58, 24L * GIB, "[cuda] [ada]"),
                nvidia("NVIDIA GeForce RTX 4090", 128, 24L * GIB, "[cuda] [ada]"),
                // AMD: 256 work-items through OpenCL [rocmcl], 64 KiB of LDS [rocm], allocations of a
                // quarter of memory [cl12]; 256 architectural VGPRs of 4 bytes per work-item.
                gpu("AMD Instinct MI300X", "Advanced Micro Devices, Inc.", 304, 192L * GIB, 256, 64 * KIB,
                        192L * GIB / 4, true, 256 * 4 / 2, "[rocm] [rocmcl] [cl12]"),
                gpu("AMD Radeon RX 7900 XTX", "Advanced Micro Devices, Inc.", 96, 24L * GIB, 256, 64 * KIB,
                        24L * GIB / 4, true, 256 * 4 / 2, "[rocm] [rocmcl] [cl12]"),
                // Intel: 1024 work-items, 4 GiB allocations [neo], one compute unit per vector engine as
                // the driver counts them; 128 registers of 64 bytes per thread of 16 work-items on
                // Xe-HPC, of 32 bytes on Xe-HPG [pvc].
                gpu("Intel Data Center GPU Max 1550", "Intel(R) Corporation", 1024, 128L * GIB, 1024, 128 * KIB,
                        4L * GIB, true, 128 * 64 / 16 / 2, "[pvc] [neo]"),
                gpu("Intel Arc A770 Graphics", "Intel(R) Corporation", 512, 16L * GIB, 1024, 64 * KIB, 4L * GIB,
                        false, 128 * 32 / 16 / 2, "[arc] [pvc] [neo]"));
    }

    /**
     * @param name part of a profile's name, any case
     * @return the first profile whose name contains it
     * @throws IllegalArgumentException if none does (the message lists the names)
     */
    public static Profile named(String name) {
        String s = name.toLowerCase(Locale.ROOT);
        return all().stream().filter(p -> p.name().toLowerCase(Locale.ROOT).contains(s)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no GPU profile matches '" + name + "'; profiles: "
                        + all().stream().map(Profile::name).toList()));
    }

    private static Profile nvidia(String name, int sms, long global, String source) {
        return gpu(name, "NVIDIA Corporation", sms, global, 1024, 48 * KIB, global / 4, true, 255 * 4 / 2, source);
    }

    private static Profile gpu(String name, String vendor, int computeUnits, long global, long maxGroup, long local,
            long maxAlloc, boolean fp64, long privateBudget, String source) {
        DeviceInfo d = new DeviceInfo(-1, -1, vendor + " (profile)", name, vendor, DeviceType.GPU, computeUnits, 0,
                global, local, maxAlloc, maxGroup, fp64, false, false, "OpenCL 3.0", "OpenCL C 1.2", "profile", null,
                null);
        return new Profile(d, privateBudget, source);
    }
}
