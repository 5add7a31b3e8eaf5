/*
 * softmax_backward_strided.cl - the gradient along any axis but the last, on the (outer, K, inner)
 * layout in place: one work-item per VEC adjacent inner positions, one gradient per vector lane; the
 * inner positions past the last full vector run one scalar column each. Forms as in
 * softmax_backward_vector.cl.
 *
 *   VEC   vector width (softmax_storage.clh)
 */
#include "softmax_common.clh"

__kernel void softmax_backward_strided(__global const store_t *y, __global const store_t *dy, __global store_t *dx,
                                       const ulong outer, const ulong k_len, const ulong inner, const real scale) {
    const ulong lanes = (inner + VEC - 1) / VEC;
    const ulong g = get_global_id(0);
    if (g >= outer * lanes) {
        return;
    }
    const ulong o = g / lanes;
    const ulong i0 = (g - o * lanes) * VEC; /* not g % lanes: see REMAINDER in softmax_common.clh */
    const ulong base = o * k_len * inner + i0;
    if (i0 + VEC > inner) {
        for (ulong l = 0; l < inner - i0; l++) {
            real acc = 0;
            for (ulong k = 0; k < k_len; k++) {
                acc += GRAD_TERM(LD1(y, base + l + k * inner), LD1(dy, base + l + k * inner));
            }
            for (ulong k = 0; k < k_len; k++) {
                const ulong i = base + l + k * inner;
                ST1(dx, i, SCALE(GRAD_OUT(LD1(y, i), LD1(dy, i), acc)));
            }
        }
        return;
    }
    realv total = 0;
    ulong k = 0;
    while (k < k_len) {
        const ulong end = min(k_len, k + SUM_BLOCK);
        realv block = 0;
        for (; k < end; k++) {
            block += GRAD_TERM(LDV(0, y + base + k * inner), LDV(0, dy + base + k * inner));
        }
        total += block;
    }
    for (ulong kk = 0; kk < k_len; kk++) {
        const ulong i = base + kk * inner;
        STV(SCALE(GRAD_OUT(LDV(0, y + i), LDV(0, dy + i), total)), 0, dx + i);
    }
}
