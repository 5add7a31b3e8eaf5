/*
 * copy.cl - the bandwidth yardstick for benchmarks: a plain copy of the same buffers softmax
 * reads and writes, so "softmax / copy" compares the kernel with the best any kernel moving
 * those bytes once each way can do on this device.
 *
 *   WG   work-group size hint for the launch (the host passes the same value as the local size)
 *   VEC  words per work-item: 4-byte words copied as uintVEC vectors (1, 2, 4, 8 or 16)
 */
/* Integer copies contract nothing; the pragma is here because every kernel file states it. */
#pragma OPENCL FP_CONTRACT OFF

#ifndef VEC
#define VEC 4
#endif

#define CAT(a, b) a##b
#define VTYPE(n) CAT(uint, n)
#define VLOAD(n) CAT(vload, n)
#define VSTORE(n) CAT(vstore, n)

#if VEC == 1
__kernel void copy_words(__global const uint *restrict x, __global uint *restrict y, const ulong words) {
    const ulong i = get_global_id(0);
    if (i < words) {
        y[i] = x[i];
    }
}
#else
__kernel void copy_words(__global const uint *restrict x, __global uint *restrict y, const ulong words) {
    const ulong i = get_global_id(0);
    const ulong base = i * VEC;
    if (base + VEC <= words) {
        VSTORE(VEC)(VLOAD(VEC)(i, x), i, y);
    } else {
        for (ulong j = base; j < words; j++) {
            y[j] = x[j];
        }
    }
}
#endif
