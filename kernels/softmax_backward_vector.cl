/*
 * softmax_backward_vector.cl - the gradient along the last axis: one work-item per row, VEC-wide
 * vectors. From the forward output y and the upstream gradient dy (the forms are GRAD_TERM and
 * GRAD_OUT in softmax_common.clh): one pass sums GRAD_TERM in blocks of SUM_BLOCK vectors, a second
 * writes dx. LOG_SOFTMAX and SCALED apply as in the forward kernels; masks do not.
 *
 *   VEC   vector width (softmax_storage.clh)
 */
#include "softmax_common.clh"

__kernel void softmax_backward_vector(__global const store_t *y, __global const store_t *dy, __global store_t *dx,
                                      const ulong rows, const ulong cols, const real scale) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const store_t *yr = y + r * cols;
    __global const store_t *dr = dy + r * cols;
    __global store_t *xr = dx + r * cols;
    const ulong nv = cols / VEC;
    realv total = 0;
    ulong j = 0;
    while (j < nv) {
        const ulong end = min(nv, j + SUM_BLOCK);
        realv block = 0;
        for (; j < end; j++) {
            block += GRAD_TERM(LDV(j, yr), LDV(j, dr));
        }
        total += block;
    }
    real acc = HSUM(total);
    for (ulong c = nv * VEC; c < cols; c++) {
        acc += GRAD_TERM(LD1(yr, c), LD1(dr, c));
    }
    for (ulong k = 0; k < nv; k++) {
        STV(SCALE(GRAD_OUT(LDV(k, yr), LDV(k, dr), acc)), k, xr);
    }
    for (ulong c = nv * VEC; c < cols; c++) {
        ST1(xr, c, SCALE(GRAD_OUT(LD1(yr, c), LD1(dr, c), acc)));
    }
}
