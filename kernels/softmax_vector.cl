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
#include "softmax_common.clh"

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

    const realv tv = load_part(xr + nv * VEC, MASK_AT(mr, nv * VEC), tail, scale);
    realv mv = fmax(tv, (realv)(REAL_LOWEST));
    for (ulong j = 0; j < nv; j++) {
        mv = fmax(mv, XINV(j, xr, mr));
    }
    const real m = HMAX(mv);

    realv total = 0;
    ulong j = 0;
    for (; j + SUM_BLOCK <= nv; j += SUM_BLOCK) {
        realv block = 0;
        for (int k = 0; k < SUM_BLOCK; k++) {
            const realv e = exp(XINV(j + k, xr, mr) - m);
#ifdef KEEP_EXP
            STV(e, j + k, yr);
#endif
            block += e;
        }
        total += block;
    }
    realv block = 0;
    for (; j < nv; j++) {
        const realv e = exp(XINV(j, xr, mr) - m);
#ifdef KEEP_EXP
        STV(e, j, yr);
#endif
        block += e;
    }
    const realv te = exp(tv - m);
    const real s = HSUM(total + block + te);
    const real inv = norm_inv(s);
    const real lg = norm_log(s);
    for (ulong k = 0; k < nv; k++) {
#ifdef KEEP_EXP
        STV(LDV(k, yr) * inv, k, yr);
#else
        const realv t = XINV(k, xr, mr);
        STV(RESULT(t, m, exp(t - m), inv, lg), k, yr);
#endif
    }
    store_part(yr + nv * VEC, RESULT(tv, m, te, inv, lg), tail);
}
