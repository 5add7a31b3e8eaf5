/*
 * softmax_vector.cl - variant VECTOR (CPUs, rows that fit in a core's cache): one work-item per row,
 * VEC-wide vectors plus one padded tail vector. The first pass reads the row from DRAM and takes its
 * max and its exps in one go, the exps against a reference max (REFERENCE MAX in softmax_cpu.clh);
 * the last pass scales them in cache to exp(x - max) / sum, so DRAM sees one read and one write and
 * each element is loaded once for both max and exp. On PoCL explicit vectors are what makes exp run
 * at memory speed. Vectors start at the row's first element, not at an aligned address, so the order
 * of every sum depends on column indices alone: chunked, direct and array runs give the same bits.
 *
 * In place (x and y one buffer) the first pass cannot keep its exps in y, since a block may have to
 * be taken again from its input: there the first pass only sums, and a pass of its own stores the
 * same exps once the block's reference is settled. Every value is computed as out of place, so in
 * place gives the same bits.
 *
 *   VEC   vector width (softmax_storage.clh)
 */
#include "softmax_cpu.clh"

#define PREFETCH_ROW_BYTES (64 << 10)

/* Whether y can hold the exps between passes (KEEP_EXP of softmax_storage.clh), as a constant. */
#ifdef KEEP_EXP
#define KEEPS true
#else
#define KEEPS false
#endif

/* The exps of vectors [from, to) against ref, stored in y when `keep`, summed in blocks of
 * SUM_BLOCK; their max into *bm. While they compute, the lines of `ahead` (the next row or block, or
 * nothing) are fetched, one input and one output line per vector. */
inline realv exp_vectors(__global const store_t *xr, __global store_t *yr, __global const uchar *mr, ulong from,
                         ulong to, real ref, realv *bm, __global const store_t *xn, __global store_t *yn,
                         const bool ahead, const bool keep, const real scale) {
    realv total = 0;
    realv m = *bm;
    ulong j = from;
    for (; j + SUM_BLOCK <= to; j += SUM_BLOCK) {
        realv block = 0;
        for (int k = 0; k < SUM_BLOCK; k++) {
            if (ahead) {
                PREFETCH(xn + (j + k) * VEC);
                PREFETCH_W(yn + (j + k) * VEC);
            }
            const realv v = XINV(j + k, xr, mr);
            m = max_keep(m, v);
            const realv e = softmax_expv(v - ref);
            if (keep) {
                STV_WHOLE(e, j + k, yr);
            }
            block += e;
        }
        total += block;
    }
    realv block = 0;
    for (; j < to; j++) {
        if (ahead) {
            PREFETCH(xn + j * VEC);
            PREFETCH_W(yn + j * VEC);
        }
        const realv v = XINV(j, xr, mr);
        m = max_keep(m, v);
        const realv e = softmax_expv(v - ref);
        if (keep) {
            STV_WHOLE(e, j, yr);
        }
        block += e;
    }
    *bm = m;
    return total + block;
}

/* A row of up to ROW_BLOCK vectors (any row without KEEP_EXP): max and exps against the reference of
 * the row's first vector and its tail in one pass, taken again against the row's max when that is
 * more than HEADROOM above; then the kept exps scaled, or without KEEP_EXP the output computed again
 * from x. Inlined where it is called with constants, so each caller gets its own loops: a run-time
 * `in_place` in the loop cost the shared pass 10% (PoCL no longer kept its constants in registers). */
inline __attribute__((always_inline)) void short_row(__global const store_t *xr, __global store_t *yr,
                                                     __global const uchar *mr, ulong nv, uint tail, bool ahead,
                                                     const bool in_place, const real scale) {
    const bool keep = KEEPS && !in_place;
    const realv tv = load_part(xr + nv * VEC, MASK_AT(mr, nv * VEC), tail, scale);
    realv cm = max_keep((realv)(REAL_LOWEST), tv);
    const real ref = HMAX(nv > 0 ? max_keep(cm, XINV(0, xr, mr)) : cm);
    /* While this row's max and exps are taken, the next row's input and output lines are fetched, so
     * that DRAM keeps working while this row's last pass runs from cache. Measured on PoCL: a gain up
     * to 64 KiB rows, a loss from 256 KiB. */
    const ulong cols = nv * VEC + tail;
    realv total = exp_vectors(xr, yr, mr, 0, nv, ref, &cm, xr + cols, yr + cols, ahead, keep, scale);
    const real m = HMAX(cm);
    /* base: what the exps are taken against; the row's max itself when the reference was too far
     * below it (those exps are taken again, from cache). */
    real base = ref;
    if (m > ref + HEADROOM) {
        base = m;
        total = exp_vectors(xr, yr, mr, 0, nv, base, &cm, xr, yr, false, keep, scale);
    }
    if (KEEPS && in_place) {
        realv unused = (realv)(REAL_LOWEST);
        exp_vectors(xr, yr, mr, 0, nv, base, &unused, xr, yr, false, true, scale);
    }
    const real shift = softmax_exp(base - m);
    const realv te = softmax_expv(tv - base);
    const real s = HSUM(total + te) * shift;
    const real inv = norm_inv(s);
#ifdef KEEP_EXP
    const real f = shift * inv;
    for (ulong k = 0; k < nv; k++) {
        STV_WHOLE(LDV(k, yr) * f, k, yr);
    }
    store_part(yr + nv * VEC, te * f, tail);
#else
    const real lg = norm_log(s);
    for (ulong k = 0; k < nv; k++) {
        const realv t = XINV(k, xr, mr);
        STV_WHOLE(RESULT(t, m, softmax_expv(t - m), inv, lg), k, yr);
    }
    store_part(yr + nv * VEC, RESULT(tv, m, softmax_expv(tv - m), inv, lg), tail);
#endif
}

#ifdef KEEP_EXP
/* Rows of more than ROW_BLOCK vectors (16 KiB of float) go block by block: each block's exps against
 * the running max of the blocks before it (taken again against the block's own max when that is more
 * than HEADROOM above), stored with the block's (reference, sum); the row's (max, sum) follows from
 * the blocks' (in block order), and a last pass scales each block by exp(reference - row max) / sum.
 * The input is then read once, from DRAM, where three passes over a row too long for L2 read it again
 * from L3. At most MAX_BLOCKS blocks: longer rows get longer blocks. Fetching the next block while one
 * computes pays where exp is slow, with float64's built-in one (7% at 4096x4096), and was a loss with
 * the polynomial (10% at float32 64x262144). */
#define ROW_BLOCK 256
#define MAX_BLOCKS 64
#ifdef USE_DOUBLE
#define BLOCK_AHEAD true
#else
#define BLOCK_AHEAD false
#endif

inline __attribute__((always_inline)) void long_row_body(__global const store_t *xr, __global store_t *yr,
                                                         __global const uchar *mr, ulong nv, uint tail,
                                                         const bool in_place, const real scale) {
    const ulong blk = max((ulong)ROW_BLOCK, (nv + MAX_BLOCKS - 1) / MAX_BLOCKS);
    real bref[MAX_BLOCKS];
    real bsum[MAX_BLOCKS];
    const realv tv = load_part(xr + nv * VEC, MASK_AT(mr, nv * VEC), tail, scale);
    realv cm = max_keep((realv)(REAL_LOWEST), tv);
    real ref = HMAX(max_keep(cm, XINV(0, xr, mr)));
    uint nb = 0;
    for (ulong b0 = 0; b0 < nv; b0 += blk, nb++) {
        const ulong b1 = min(nv, b0 + blk);
        realv bm = (realv)(REAL_LOWEST);
        realv total = exp_vectors(xr, yr, mr, b0, b1, ref, &bm, xr + blk * VEC, yr + blk * VEC, BLOCK_AHEAD,
                                  !in_place, scale);
        const real b = HMAX(bm);
        if (b > ref + HEADROOM) {
            ref = b;
            total = exp_vectors(xr, yr, mr, b0, b1, ref, &bm, xr, yr, false, !in_place, scale);
        }
        if (in_place) {
            realv unused = (realv)(REAL_LOWEST);
            exp_vectors(xr, yr, mr, b0, b1, ref, &unused, xr, yr, false, true, scale);
        }
        bref[nb] = ref;
        bsum[nb] = HSUM(total);
        cm = max_keep(cm, bm);
        ref = fmax(ref, b);
    }
    const real m = HMAX(cm);
    const realv te = softmax_expv(tv - m);
    real s = HSUM(te);
    for (uint b = 0; b < nb; b++) {
        s += bsum[b] * softmax_exp(bref[b] - m);
    }
    const real inv = norm_inv(s);
    uint b = 0;
    for (ulong b0 = 0; b0 < nv; b0 += blk, b++) {
        const real f = softmax_exp(bref[b] - m) * inv;
        const ulong b1 = min(nv, b0 + blk);
        for (ulong k = b0; k < b1; k++) {
            STV_WHOLE(LDV(k, yr) * f, k, yr);
        }
    }
    store_part(yr + nv * VEC, te * inv, tail);
}

/* One function per case, not inlined into the kernel, so that the out-of-place loops stay as fast as
 * they are alone. */
__attribute__((noinline))
void long_row(__global const store_t *xr, __global store_t *yr, __global const uchar *mr, ulong nv, uint tail,
              const real scale) {
    long_row_body(xr, yr, mr, nv, tail, false, scale);
}

__attribute__((noinline))
void long_row_in_place(__global store_t *yr, __global const uchar *mr, ulong nv, uint tail, const real scale) {
    long_row_body(yr, yr, mr, nv, tail, true, scale);
}

__attribute__((noinline))
void short_row_in_place(__global store_t *yr, __global const uchar *mr, ulong nv, uint tail, const real scale) {
    short_row(yr, yr, mr, nv, tail, false, true, scale);
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
    const bool in_place = xr == (__global const store_t *)yr;
    if (nv > ROW_BLOCK) {
        if (in_place) {
            long_row_in_place(yr, mr, nv, tail, scale);
        } else {
            long_row(xr, yr, mr, nv, tail, scale);
        }
        return;
    }
    if (in_place) {
        short_row_in_place(yr, mr, nv, tail, scale);
        return;
    }
#endif
    /* Without KEEP_EXP nothing is stored before the last pass, which reads each element before it
     * writes it: in place needs nothing of its own. */
    short_row(xr, yr, mr, nv, tail, r + 1 < rows && cols * sizeof(store_t) <= PREFETCH_ROW_BYTES, false, scale);
}
