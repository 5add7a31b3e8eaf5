/*
 * softmax_vector.cl - variant VECTOR (CPUs, rows that fit in a core's cache): one work-item per row,
 * VEC-wide vectors plus one padded tail vector, in three passes (max; exp and sum; scale) of which the
 * last two hit cache, so DRAM sees one read and one write. On PoCL explicit vectors are what makes exp
 * run at memory speed. Vectors start at the row's first element, not at an aligned address, so the
 * order of every sum depends on column indices alone: chunked, direct and array runs give the same
 * bits.
 *
 *   VEC   vector width (softmax_storage.clh)
 */
#include "softmax_cpu.clh"

#define PREFETCH_ROW_BYTES (64 << 10)

/* The max of vectors [from, to) of a row and of `seed`: four independent maxima, so the loop runs at
 * load speed rather than at a max's latency. */
inline real max_vectors(__global const store_t *xr, __global const uchar *mr, ulong from, ulong to, realv seed,
                        const real scale) {
    realv m0 = seed;
    realv m1 = (realv)(REAL_LOWEST);
    realv m2 = (realv)(REAL_LOWEST);
    realv m3 = (realv)(REAL_LOWEST);
    ulong i = from;
    for (; i + 4 <= to; i += 4) {
        m0 = max_keep(m0, XINV(i, xr, mr));
        m1 = max_keep(m1, XINV(i + 1, xr, mr));
        m2 = max_keep(m2, XINV(i + 2, xr, mr));
        m3 = max_keep(m3, XINV(i + 3, xr, mr));
    }
    for (; i < to; i++) {
        m0 = max_keep(m0, XINV(i, xr, mr));
    }
    return HMAX(fmax(fmax(m0, m1), fmax(m2, m3)));
}

#ifdef KEEP_EXP
/* Rows of more than ROW_BLOCK vectors (16 KiB of float) go block by block: each block's max, then
 * its exp against that max from L1, stored with the block's (max, sum); the row's (max, sum) follows
 * from the blocks' (in block order), and a last pass scales each block by exp(block max - row max) /
 * sum. The input is then read once from DRAM and once from L1, where three passes over a row too long
 * for L2 read it again from L3; while a block computes, the next block's input is prefetched (2 to 6%
 * less CPU time at 64x262144; its output too was no better). At most MAX_BLOCKS blocks: longer rows
 * get longer blocks. */
#define ROW_BLOCK 256
#define MAX_BLOCKS 64

inline void long_row(__global const store_t *xr, __global store_t *yr, __global const uchar *mr, ulong nv,
                     uint tail, const real scale) {
    const ulong blk = max((ulong)ROW_BLOCK, (nv + MAX_BLOCKS - 1) / MAX_BLOCKS);
    real bmax[MAX_BLOCKS];
    real bsum[MAX_BLOCKS];
    real m = REAL_LOWEST;
    uint nb = 0;
    for (ulong b0 = 0; b0 < nv; b0 += blk, nb++) {
        const ulong b1 = min(nv, b0 + blk);
        const real bm = max_vectors(xr, mr, b0, b1, (realv)(REAL_LOWEST), scale);
        realv total = 0;
        ulong j = b0;
        for (; j + SUM_BLOCK <= b1; j += SUM_BLOCK) {
            realv block = 0;
            for (int k = 0; k < SUM_BLOCK; k++) {
                PREFETCH(xr + (j + k + blk) * VEC); /* the next block's input; past the row, the next row's (a prefetch never faults) */
                const realv e = softmax_expv(XINV(j + k, xr, mr) - bm);
                STV_WHOLE(e, j + k, yr);
                block += e;
            }
            total += block;
        }
        realv block = 0;
        for (; j < b1; j++) {
            PREFETCH(xr + (j + blk) * VEC);
            const realv e = softmax_expv(XINV(j, xr, mr) - bm);
            STV_WHOLE(e, j, yr);
            block += e;
        }
        bmax[nb] = bm;
        bsum[nb] = HSUM(total + block);
        m = fmax(m, bm);
    }
    const realv tv = load_part(xr + nv * VEC, MASK_AT(mr, nv * VEC), tail, scale);
    m = fmax(m, HMAX(max_keep((realv)(REAL_LOWEST), tv)));
    const realv te = softmax_expv(tv - m);
    real s = HSUM(te);
    for (uint b = 0; b < nb; b++) {
        s += bsum[b] * softmax_exp(bmax[b] - m);
    }
    const real inv = norm_inv(s);
    uint b = 0;
    for (ulong b0 = 0; b0 < nv; b0 += blk, b++) {
        const real f = softmax_exp(bmax[b] - m) * inv;
        const ulong b1 = min(nv, b0 + blk);
        for (ulong k = b0; k < b1; k++) {
            STV_WHOLE(LDV(k, yr) * f, k, yr);
        }
    }
    store_part(yr + nv * VEC, te * inv, tail);
}
#endif

__kernel void softmax_vector(__global const store_t *x, __global store_t *y, const ulong rows, const ulong cols,
                             __global const uchar *mask, const ulong mask_stride, const real scale) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const store_t *xr = x + r * cols;
    __global store_t *yr = y + r * cols;
    __global const uchar *mr = MASK_ROW(r);
    const ulong nv = cols / VEC;
    const uint tail = (uint)(cols - nv * VEC);
#ifdef KEEP_EXP
    if (nv > ROW_BLOCK) {
        long_row(xr, yr, mr, nv, tail, scale);
        return;
    }
#endif

    const realv tv = load_part(xr + nv * VEC, MASK_AT(mr, nv * VEC), tail, scale);
    const real m = max_vectors(xr, mr, 0, nv, max_keep((realv)(REAL_LOWEST), tv), scale);

    realv total = 0;
    ulong j = 0;
    /* While this row computes from cache, the next row's input and output lines are fetched, one of
     * each per vector of this row, so that DRAM works during the exp pass instead of only during
     * the max pass. Measured on PoCL: a gain up to 64 KiB rows, a loss from 256 KiB. */
    const bool ahead = r + 1 < rows && cols * sizeof(store_t) <= PREFETCH_ROW_BYTES;
    __global const store_t *xn = xr + cols;
    __global store_t *yn = yr + cols;
    for (; j + SUM_BLOCK <= nv; j += SUM_BLOCK) {
        realv block = 0;
        for (int k = 0; k < SUM_BLOCK; k++) {
            if (ahead) {
                PREFETCH(xn + (j + k) * VEC);
                PREFETCH_W(yn + (j + k) * VEC);
            }
            const realv e = softmax_expv(XINV(j + k, xr, mr) - m);
#ifdef KEEP_EXP
            STV_WHOLE(e, j + k, yr);
#endif
            block += e;
        }
        total += block;
    }
    realv block = 0;
    for (; j < nv; j++) {
        if (ahead) {
            PREFETCH(xn + j * VEC);
            PREFETCH_W(yn + j * VEC);
        }
        const realv e = softmax_expv(XINV(j, xr, mr) - m);
#ifdef KEEP_EXP
        STV_WHOLE(e, j, yr);
#endif
        block += e;
    }
    const realv te = softmax_expv(tv - m);
    const real s = HSUM(total + block + te);
    const real inv = norm_inv(s);
    const real lg = norm_log(s);
    for (ulong k = 0; k < nv; k++) {
#ifdef KEEP_EXP
        STV_WHOLE(LDV(k, yr) * inv, k, yr);
#else
        const realv t = XINV(k, xr, mr);
        STV_WHOLE(RESULT(t, m, softmax_expv(t - m), inv, lg), k, yr);
#endif
    }
    store_part(yr + nv * VEC, RESULT(tv, m, te, inv, lg), tail);
}
