/*
 * softmax_strided.cl - softmax over any axis but the last, for GPUs: the array is seen as (outer, K,
 * inner) and softmax runs over K, whose elements are inner apart, read in place (no transpose).
 * Work-item g takes one outer slice and a strip of STRIP x VEC adjacent inner positions, one softmax
 * per vector lane: each row contributes STRIP contiguous vectors, and adjacent work-items read adjacent
 * memory. Rows are processed in tiles (at most MAX_TILES per strip) so that exp runs once per element:
 * per tile a max pass and an exp-and-sum pass that hits cache, then one rescaling pass with one factor
 * per tile; DRAM sees two reads and two writes, and a power-of-two row length (every row of a strip in
 * the same cache sets) costs no extra exp. A mask, if any, has the array's full shape (mask_stride is
 * not read). CPUs use softmax_sweep.cl instead.
 *
 *   VEC     vector width (softmax_storage.clh)
 *   STRIP   vectors per work-item (default 8)
 */
#include "softmax_common.clh"

#ifndef STRIP
#define STRIP 8
#endif
/* At most this many row tiles per column strip: their maxima are kept in private memory. */
#define MAX_TILES 32

__kernel void softmax_strided(__global const store_t *x, __global store_t *y, const ulong outer, const ulong k_len,
                              const ulong inner, __global const uchar *mask, const ulong mask_stride,
                              const real scale) {
    const ulong per = (ulong)VEC * STRIP;
    const ulong strips = (inner + per - 1) / per;
    const ulong g = get_global_id(0);
    if (g >= outer * strips) {
        return;
    }
    const ulong o = g / strips;
    const ulong i0 = (g - o * strips) * per; /* not g % strips: see REMAINDER in softmax_common.clh */
    const ulong slab = o * k_len * inner;
    const uint full = (uint)min((ulong)STRIP, (inner - i0) / VEC);
    __global const uchar *mslab = MASK_BASE(slab);
    /* Lanes past the last full vector: one scalar column each, in blocks of 32 rows. */
    for (ulong l = i0 + (ulong)full * VEC; l < min(i0 + per, inner); l++) {
        scalar_row(x + slab + l, y + slab + l, MASK_AT(mslab, l), k_len, inner, 31, scale);
    }
    if (full == 0) {
        return;
    }
    __global const store_t *xc = x + slab + i0;
    __global store_t *yc = y + slab + i0;
    __global const uchar *mc = MASK_AT(mslab, i0);

    /* Rows in tiles: each tile is read for its max and again, from cache, for exp(x - tile max)
     * and its sum; the running (max, sum) is rescaled once per tile, not per element. */
    const ulong tile = max((ulong)8, (k_len + MAX_TILES - 1) / MAX_TILES);
    realv tmax[MAX_TILES][STRIP];
    realv m[STRIP];
    realv s[STRIP];
    for (uint v = 0; v < STRIP; v++) {
        m[v] = (realv)(REAL_LOWEST);
        s[v] = 0;
    }
    uint t = 0;
    for (ulong kb = 0; kb < k_len; kb += tile, t++) {
        const ulong kend = min(k_len, kb + tile);
        realv bm[STRIP];
        realv bs[STRIP];
        for (uint v = 0; v < STRIP; v++) {
            bm[v] = (realv)(REAL_LOWEST);
            bs[v] = 0;
        }
        for (ulong k = kb; k < kend; k++) {
            for (uint v = 0; v < full; v++) {
                bm[v] = fmax(bm[v], XINV(v, xc + k * inner, MASK_AT(mc, k * inner)));
            }
        }
        for (ulong k = kb; k < kend; k++) {
            for (uint v = 0; v < full; v++) {
                const realv e = exp(XINV(v, xc + k * inner, MASK_AT(mc, k * inner)) - bm[v]);
#ifdef KEEP_EXP
                STV(e, v, yc + k * inner);
#endif
                bs[v] += e;
            }
        }
        for (uint v = 0; v < full; v++) {
            const realv mm = fmax(m[v], bm[v]);
            s[v] = s[v] * exp(m[v] - mm) + bs[v] * exp(bm[v] - mm);
            m[v] = mm;
            tmax[t][v] = bm[v];
        }
    }
    realv inv[STRIP];
    realv lg[STRIP];
    for (uint v = 0; v < full; v++) {
        inv[v] = norm_inv_v(s[v]);
        lg[v] = norm_log_v(s[v]);
    }
    t = 0;
    for (ulong kb = 0; kb < k_len; kb += tile, t++) {
        const ulong kend = min(k_len, kb + tile);
#ifdef KEEP_EXP
        /* y holds exp(x - tile max): one factor per tile and lane turns it into the result. */
        realv f[STRIP];
        for (uint v = 0; v < full; v++) {
            f[v] = exp(tmax[t][v] - m[v]) * inv[v];
        }
        for (ulong k = kb; k < kend; k++) {
            for (uint v = 0; v < full; v++) {
                STV(LDV(v, yc + k * inner) * f[v], v, yc + k * inner);
            }
        }
#else
        for (ulong k = kb; k < kend; k++) {
            for (uint v = 0; v < full; v++) {
                const realv tv = XINV(v, xc + k * inner, MASK_AT(mc, k * inner));
                STV(RESULT(tv, m[v], exp(tv - m[v]), inv[v], lg[v]), v, yc + k * inner);
            }
        }
#endif
    }
}
