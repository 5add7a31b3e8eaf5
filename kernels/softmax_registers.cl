/*
 * softmax_registers.cl - variant REGISTERS (GPUs, rows up to WG * ITEMS): one work-group per row, the
 * row held in private memory between the max and the sum, so DRAM sees one read and one write of
 * each element; the max and the sum are work-group trees.
 *
 *   WG      work-group size, a power of two (softmax_workgroup.clh)
 *   ITEMS   values held per work-item: the row length must be at most WG * ITEMS (default 4)
 */
#include "softmax_workgroup.clh"

#ifndef ITEMS
#define ITEMS 4
#endif

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_registers(__global const store_t *x, __global store_t *y, const ulong rows, const ulong cols,
                       __global const uchar *mask, const ulong mask_stride, const real scale) {
    __local real scratch[WG];
    const ulong r = get_group_id(0);
    const uint lid = get_local_id(0);
    __global const store_t *xr = x + r * cols;
    __global store_t *yr = y + r * cols;
    __global const uchar *mr = MASK_ROW(r);

    real v[ITEMS];
    real m = REAL_LOWEST;
    for (int k = 0; k < ITEMS; k++) {
        const ulong c = lid + (ulong)k * WG;
        v[k] = c < cols ? XIN1(xr, mr, c) : (real)(-INFINITY);
        m = fmax(m, v[k]);
    }
    m = group_max(m, scratch);
    real s = 0;
    for (int k = 0; k < ITEMS; k++) {
        const real e = exp(v[k] - m);
#ifndef LOG_SOFTMAX
        v[k] = e; /* softmax needs only e from here on; log-softmax keeps the input */
#endif
        s += e;
    }
    s = group_sum(s, scratch);
    const real inv = norm_inv(s);
    const real lg = norm_log(s);
    for (int k = 0; k < ITEMS; k++) {
        const ulong c = lid + (ulong)k * WG;
        if (c < cols) {
            ST1(yr, c, RESULT(v[k], m, v[k], inv, lg));
        }
    }
}
