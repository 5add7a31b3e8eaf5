/*
 * softmax_sweep.cl - softmax over any axis but the last, for CPUs, sweeping whole rows. The array is
 * seen as (outer, K, inner), softmax over K. A work-item owns a chunk of the K rows of one outer slice
 * and streams them front to back, keeping each column's running (max, sum) in `part`: a row is read as
 * one contiguous run, which the hardware prefetchers follow, instead of one strided strip per
 * work-item. Rows are folded in blocks of SWEEP_BLOCK: the block's max per column first, then one
 * rescale and SWEEP_BLOCK exps. softmax_sweep_combine folds the chunks' pairs per column into
 * (max, 1/sum, log sum) in `stats`; softmax_sweep_finish writes the output, sweeping rows again: DRAM
 * sees two reads and one write. A mask, if any, has the array's full shape (mask_stride is not read).
 *
 * Every kernel works on a window: outer slices [o0, o0 + on) and columns [c0, c0 + cn), rows still
 * inner apart. Scratch is per window (part: 2 * cn values per slice and chunk, maxima then sums;
 * stats: 3 * cn per slice), so the host can bound it by the device's largest allocation whatever the
 * shape. Windows start at multiples of VEC (or cover the whole row): every column keeps its vector
 * lane, or its place among the scalar columns past the last full vector, and so its exact arithmetic.
 *
 *   VEC   vector width (softmax_storage.clh)
 */
#include "softmax_common.clh"

#define SWEEP_BLOCK 8

/* Rows [*k0, *k1) of chunk c out of `chunks` over an axis of k_len rows. */
inline void sweep_rows(ulong c, uint chunks, ulong k_len, ulong *k0, ulong *k1) {
    const ulong per = (k_len + chunks - 1) / chunks;
    *k0 = min(c * per, k_len);
    *k1 = min(*k0 + per, k_len);
}

/* One work-item per (slice, chunk) of the window. */
__kernel void softmax_sweep_partial(__global const store_t *x, __global real *part, const ulong k_len,
                                    const ulong inner, const uint chunks, const ulong o0, const ulong on,
                                    const ulong c0, const ulong cn, __global const uchar *mask,
                                    const ulong mask_stride, const real scale) {
    const ulong gid = get_global_id(0);
    if (gid >= on * chunks) {
        return;
    }
    const ulong so = gid / chunks;
    const ulong o = o0 + so;
    ulong k0;
    ulong k1;
    sweep_rows(gid - so * chunks, chunks, k_len, &k0, &k1); /* not gid % chunks: see REMAINDER */
    __global const store_t *xs = x + o * k_len * inner + c0;
    __global const uchar *ms = MASK_BASE(o * k_len * inner + c0);
    __global real *pm = part + gid * 2 * cn;
    __global real *ps = pm + cn;
    const ulong nv = cn / VEC;
    for (ulong j = 0; j < cn; j++) {
        pm[j] = REAL_LOWEST;
        ps[j] = 0;
    }
    for (ulong kb = k0; kb < k1; kb += SWEEP_BLOCK) {
        const ulong kend = min(k1, kb + SWEEP_BLOCK);
        for (ulong j = 0; j < nv; j++) {
            const realv m0 = CAT(vload, VEC)(j, pm);
            realv bm = m0;
            for (ulong k = kb; k < kend; k++) {
                bm = fmax(bm, XINV(j, xs + k * inner, MASK_AT(ms, k * inner)));
            }
            realv sum = CAT(vload, VEC)(j, ps) * exp(m0 - bm);
            for (ulong k = kb; k < kend; k++) {
                sum += exp(XINV(j, xs + k * inner, MASK_AT(ms, k * inner)) - bm);
            }
            CAT(vstore, VEC)(bm, j, pm);
            CAT(vstore, VEC)(sum, j, ps);
        }
        for (ulong i = nv * VEC; i < cn; i++) { /* columns past the last full vector */
            const real m0 = pm[i];
            real bm = m0;
            for (ulong k = kb; k < kend; k++) {
                bm = fmax(bm, XIN1(xs + k * inner, MASK_AT(ms, k * inner), i));
            }
            real sum = ps[i] * exp(m0 - bm);
            for (ulong k = kb; k < kend; k++) {
                sum += exp(XIN1(xs + k * inner, MASK_AT(ms, k * inner), i) - bm);
            }
            pm[i] = bm;
            ps[i] = sum;
        }
    }
}

/* One work-item per (slice, column) of the window: folds the chunks' pairs in order. */
__kernel void softmax_sweep_combine(__global const real *part, __global real *stats, const uint chunks,
                                    const ulong on, const ulong cn) {
    const ulong gid = get_global_id(0);
    if (gid >= on * cn) {
        return;
    }
    const ulong o = gid / cn;
    const ulong i = gid - o * cn; /* not gid % cn: see REMAINDER in softmax_common.clh */
    real m = REAL_LOWEST;
    real s = 0;
    for (uint c = 0; c < chunks; c++) {
        __global const real *pm = part + (o * chunks + c) * 2 * cn;
        merge_pair(&m, &s, pm[i], pm[cn + i]);
    }
    __global real *st = stats + o * 3 * cn;
    st[i] = m;
    st[cn + i] = norm_inv(s);
    st[2 * cn + i] = norm_log(s);
}

/* One work-item per (slice, chunk) of the window, as softmax_sweep_partial. */
__kernel void softmax_sweep_finish(__global const store_t *x, __global store_t *y, __global const real *stats,
                                   const ulong k_len, const ulong inner, const uint chunks, const ulong o0,
                                   const ulong on, const ulong c0, const ulong cn, __global const uchar *mask,
                                   const ulong mask_stride, const real scale) {
    const ulong gid = get_global_id(0);
    if (gid >= on * chunks) {
        return;
    }
    const ulong so = gid / chunks;
    const ulong o = o0 + so;
    ulong k0;
    ulong k1;
    sweep_rows(gid - so * chunks, chunks, k_len, &k0, &k1); /* not gid % chunks: see REMAINDER */
    __global const store_t *xs = x + o * k_len * inner + c0;
    __global store_t *ys = y + o * k_len * inner + c0;
    __global const uchar *ms = MASK_BASE(o * k_len * inner + c0);
    __global const real *sm = stats + so * 3 * cn;
    __global const real *si = sm + cn;
    __global const real *sl = si + cn;
    const ulong nv = cn / VEC;
    /* Blocks of rows, so each column's statistics are loaded once per block, not once per row. */
    for (ulong kb = k0; kb < k1; kb += SWEEP_BLOCK) {
        const ulong kend = min(k1, kb + SWEEP_BLOCK);
        for (ulong j = 0; j < nv; j++) {
            const realv m = CAT(vload, VEC)(j, sm);
            const realv inv = CAT(vload, VEC)(j, si);
#ifdef LOG_SOFTMAX
            const realv lg = CAT(vload, VEC)(j, sl);
#endif
            for (ulong k = kb; k < kend; k++) {
                const realv t = XINV(j, xs + k * inner, MASK_AT(ms, k * inner));
                STV(RESULT(t, m, exp(t - m), inv, lg), j, ys + k * inner);
            }
        }
        for (ulong k = kb; k < kend; k++) {
            for (ulong i = nv * VEC; i < cn; i++) {
                const real t = XIN1(xs + k * inner, MASK_AT(ms, k * inner), i);
                ST1(ys + k * inner, i, RESULT(t, sm[i], exp(t - sm[i]), si[i], sl[i]));
            }
        }
    }
}
