/*
 * softmax_strided.cl - softmax over any axis but the last, for GPUs: the array is seen as (outer, K,
 * inner) and softmax runs over K, whose elements are inner apart, read in place (no transpose). A
 * column is one (outer, inner) position, numbered o * inner + i; a work-group takes TX consecutive
 * columns, so adjacent work-items read adjacent addresses (coalesced when inner is not tiny), and
 * splits each column's K rows into TY parts of ceil(K / TY) rows, one per work-item. A work-item runs
 * the online (max, sum) over its part in blocks of BLOCK rows held in registers (one exp per element,
 * one rescale per block that raises the max); the column's TY pairs merge in local memory in a fixed
 * tree; then each work-item writes its part. DRAM sees two reads and one write, and one read and one
 * write when a part is a single block (K <= TY * BLOCK): the block is still in registers. Private
 * memory per work-item is BLOCK values, whatever K and inner are. A mask, if any, has the array's full
 * shape (mask_stride is not read). CPUs use softmax_sweep.cl instead.
 *
 * Results depend on K, TY and the column's own values only: never on the column's position, the
 * number of outer slices or the work-group size.
 *
 *   WG     work-group size (default 64)
 *   TY     work-items per column, a power of two dividing WG (default 1)
 */
#include "softmax_common.clh"

#ifndef WG
#define WG 64
#endif
#ifndef TY
#define TY 1
#endif
#if (TY & (TY - 1)) != 0 || WG % TY != 0
#error "TY must be a power of two dividing WG"
#endif
#define TX (WG / TY)
/* Rows per block, held in private memory between the block's max and its exponentials. */
#define BLOCK 16

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_strided(__global const store_t *x, __global store_t *y, const ulong outer, const ulong k_len,
                     const ulong inner, __global const uchar *mask, const ulong mask_stride, const real scale) {
    __local real pair_m[WG];
    __local real pair_s[WG];
    const uint lid = get_local_id(0);
    const uint ty = lid / TX;
    const uint tx = lid - ty * TX; /* not lid % TX: see REMAINDER in softmax_common.clh */
    const ulong col = get_group_id(0) * (ulong)TX + tx;
    /* Work-items past the last column take part in the barriers only. */
    const bool valid = col < outer * inner;
    const ulong o = col / inner;
    const ulong base = o * k_len * inner + (col - o * inner);
    __global const store_t *xc = x + base;
    __global store_t *yc = y + base;
    __global const uchar *mc = MASK_BASE(base);
    const ulong part = (k_len + TY - 1) / TY;
    const ulong k0 = min(k_len, ty * part);
    const ulong k1 = min(k_len, k0 + part);

    real v[BLOCK];
    real m = REAL_LOWEST;
    real s = 0;
    if (valid) {
        for (ulong kb = k0; kb < k1; kb += BLOCK) {
            real bm = REAL_LOWEST;
            for (uint j = 0; j < BLOCK; j++) {
                const ulong k = kb + j;
                v[j] = k < k1 ? XIN1(xc, mc, k * inner) : (real)(-INFINITY);
                bm = fmax(bm, v[j]);
            }
            if (bm > m) {
                s *= exp(m - bm);
                m = bm;
            }
            real bs = 0;
            for (uint j = 0; j < BLOCK; j++) {
                bs += exp(v[j] - m);
            }
            s += bs;
        }
    }

    /* The column's parts merge in a tree over ty: part ty with part ty + step, the same order for
     * every column. */
    pair_m[lid] = m;
    pair_s[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = TY / 2; step > 0; step >>= 1) {
        if (ty < step) {
            real mm = pair_m[lid];
            real ss = pair_s[lid];
            merge_pair(&mm, &ss, pair_m[lid + step * TX], pair_s[lid + step * TX]);
            pair_m[lid] = mm;
            pair_s[lid] = ss;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (!valid) {
        return;
    }
    m = pair_m[tx];
    s = pair_s[tx];
    const real inv = norm_inv(s);
    const real lg = norm_log(s);

    if (k1 - k0 <= BLOCK) {
        /* The part was one block: v still holds it (entries past k1 are never read). */
        for (uint j = 0; j < BLOCK; j++) {
            const ulong k = k0 + j;
            if (k < k1) {
                ST1(yc, k * inner, RESULT(v[j], m, exp(v[j] - m), inv, lg));
            }
        }
    } else {
        for (ulong k = k0; k < k1; k++) {
            const real t = XIN1(xc, mc, k * inner);
            ST1(yc, k * inner, RESULT(t, m, exp(t - m), inv, lg));
        }
    }
}
