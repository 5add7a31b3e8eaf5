/*
 * softmax.cl - row-wise softmax, one kernel family for every row shape and device kind.
 *
 *   y[r][c] = exp(x[r][c] - max_c x[r][c]) / sum_c exp(x[r][c] - max_c x[r][c])
 *
 * Variants (the host picks one by row length and device type; every one is tested against the
 * CPU reference). Work-group variants suit GPUs, where a row is spread over many lanes and loads
 * coalesce across work-items; vector variants suit CPUs (PoCL), where one work-item runs on one core
 * and explicit VEC-wide vectors are what makes exp run at memory speed.
 *
 *   softmax_rows       GPU, short rows: one work-item per row, no barriers.
 *   softmax_tile       CPU, short rows (COLS known at compile time): VEC rows per work-item as COLS
 *                      contiguous vectors, shifted by the tile's max so exp runs on whole vectors;
 *                      exact per-row fallback for tiles whose rows differ too much (see below).
 *   softmax_registers  GPU, rows up to WG * ITEMS: one work-group per row, the row held in private
 *                      memory: one read and one write of each element.
 *   softmax_vector     CPU, any row that fits in cache: one work-item per row, VEC-wide vectors plus
 *                      one padded tail vector; max, exp-and-sum and scale passes (the last two hit
 *                      cache), so DRAM sees one read and one write. Vectors start at the row's first
 *                      element, not at an aligned address, so the order of every sum depends on
 *                      column indices alone: chunked, direct and array runs give the same bits.
 *   softmax_partial +  GPU, long rows, few rows: SPLIT work-groups per row each compute a running
 *   softmax_finish     (max, sum) (the online normaliser of Milakov & Gimelshein, 2018); stage two
 *                      combines the SPLIT pairs and normalises: two reads and one write.
 *   softmax_chunk_partial + softmax_chunk_finish
 *                      CPU, the same two stages with one work-item per chunk and VEC-wide vectors.
 *
 * Non-finite inputs need no special cases. Running maxima start at -REAL_MAX, a finite number, so
 * exp(-inf - max) is exactly 0 and a -inf entry in a row with a finite entry gets exactly 0. A row
 * that is all -inf keeps max = -REAL_MAX and sum = 0, and 0 * (1/0) is NaN. A NaN or +inf entry makes
 * the sum NaN (exp(NaN - m), or exp(inf - inf)), which turns the whole row into NaN. This needs IEEE
 * semantics: never build with -cl-fast-relaxed-math or -cl-finite-math-only.
 *
 * Sums are trees (local memory across work-items, lanes and fixed-size blocks within one), never
 * a long sequential chain, and the order is fixed: the same input on the same device gives
 * bit-identical output on every run. x and y may be the same buffer (in-place softmax): each
 * work-item reads every element it writes before writing it. Sizes and offsets are 64-bit.
 *
 * Every tunable has a default, so this file compiles on its own:
 *   USE_DOUBLE  compute in float64 (needs cl_khr_fp64); float32 otherwise
 *   WG      work-group size, a power of two (work-group variants)
 *   ITEMS   values held per work-item in softmax_registers (row length <= WG * ITEMS)
 *   UNROLL  elements per work-item per step of the online loop in softmax_partial
 *   VEC     vector width of the vector variants: 2, 4, 8 or 16
 *   COLS    row length compiled into softmax_tile (1 to 64)
 */

#ifdef USE_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define REAL_NAME double
#define REAL_LOWEST (-DBL_MAX)
#else
#define REAL_NAME float
#define REAL_LOWEST (-FLT_MAX)
#endif
typedef REAL_NAME real;

#ifndef WG
#define WG 128
#endif
#ifndef ITEMS
#define ITEMS 4
#endif
#ifndef UNROLL
#define UNROLL 8
#endif
#ifndef VEC
#define VEC 8
#endif
#ifndef COLS
#define COLS 8
#endif

#if (WG & (WG - 1)) != 0
#error "WG must be a power of two"
#endif

/* Tree max over the work-group; every work-item gets the result. */
inline real group_max(real v, __local real *scratch) {
    const uint lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = WG / 2; step > 0; step >>= 1) {
        if (lid < step) {
            scratch[lid] = fmax(scratch[lid], scratch[lid + step]);
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const real r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE); /* scratch is reused by the caller's next reduction */
    return r;
}

/* Tree sum over the work-group; every work-item gets the result. */
inline real group_sum(real v, __local real *scratch) {
    const uint lid = get_local_id(0);
    scratch[lid] = v;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = WG / 2; step > 0; step >>= 1) {
        if (lid < step) {
            scratch[lid] += scratch[lid + step];
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    const real r = scratch[0];
    barrier(CLK_LOCAL_MEM_FENCE);
    return r;
}

/* Merges running pair (m2, s2) into (m, s). Max values are never NaN (see above), and a pair with
 * m = +inf already has s = NaN, so exp(inf - inf) = NaN only reinforces the NaN row. */
inline void merge_pair(real *m, real *s, real m2, real s2) {
    const real mm = fmax(*m, m2);
    *s = *s * exp(*m - mm) + s2 * exp(m2 - mm);
    *m = mm;
}

/* ---- softmax_rows: one work-item per row, for short rows ---------------------------------- */
__kernel void softmax_rows(__global const real *x, __global real *y,
                           const ulong rows, const ulong cols) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const real *xr = x + r * cols;
    __global real *yr = y + r * cols;
    real m = REAL_LOWEST;
    for (ulong c = 0; c < cols; c++) {
        m = fmax(m, xr[c]);
    }
    /* exp is computed once per element: stored, then scaled in place (the row is in cache).
     * The sum is two-level (blocks of 32, then the block sums) so no float chain is long. */
    real s = 0;
    real bs = 0;
    for (ulong c = 0; c < cols; c++) {
        const real e = exp(xr[c] - m);
        yr[c] = e;
        bs += e;
        if ((c & 31) == 31) {
            s += bs;
            bs = 0;
        }
    }
    s += bs;
    const real inv = (real)1 / s;
    for (ulong c = 0; c < cols; c++) {
        yr[c] *= inv;
    }
}

/* ---- softmax_registers: one work-group per row, row held in private memory ----------------- */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_registers(__global const real *x, __global real *y,
                       const ulong rows, const ulong cols) {
    __local real scratch[WG];
    const ulong r = get_group_id(0);
    const uint lid = get_local_id(0);
    __global const real *xr = x + r * cols;
    __global real *yr = y + r * cols;

    real v[ITEMS];
    real m = REAL_LOWEST;
    for (int k = 0; k < ITEMS; k++) {
        const ulong c = lid + (ulong)k * WG;
        v[k] = c < cols ? xr[c] : -INFINITY;
        m = fmax(m, v[k]);
    }
    m = group_max(m, scratch);
    real s = 0;
    for (int k = 0; k < ITEMS; k++) {
        v[k] = exp(v[k] - m);
        s += v[k];
    }
    s = group_sum(s, scratch);
    const real inv = (real)1 / s;
    for (int k = 0; k < ITEMS; k++) {
        const ulong c = lid + (ulong)k * WG;
        if (c < cols) {
            yr[c] = v[k] * inv;
        }
    }
}

/* ---- softmax_partial / softmax_finish: online normaliser, SPLIT groups per row ------------- */
/* Group g of row r covers columns [g * chunk, min((g + 1) * chunk, cols)). */

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_partial(__global const real *restrict x, __global real *restrict part,
                     const ulong rows, const ulong cols, const ulong chunk, const uint split) {
    __local real scratch_m[WG];
    __local real scratch_s[WG];
    const ulong gid = get_group_id(0);
    const ulong r = gid / split;
    const ulong g = gid % split;
    const uint lid = get_local_id(0);
    __global const real *xr = x + r * cols;
    const ulong begin = g * chunk;
    const ulong end = min(begin + chunk, cols);

    real m = REAL_LOWEST;
    real s = 0;
    for (ulong base = begin; base < end; base += (ulong)WG * UNROLL) {
        real v[UNROLL];
        real bm = REAL_LOWEST;
        for (int k = 0; k < UNROLL; k++) {
            const ulong c = base + lid + (ulong)k * WG;
            v[k] = c < end ? xr[c] : -INFINITY;
            bm = fmax(bm, v[k]);
        }
        /* Rescale only when the block raises the max: one extra exp per block, not per element. */
        if (bm > m) {
            s *= exp(m - bm);
            m = bm;
        }
        real bs = 0;
        for (int k = 0; k < UNROLL; k++) {
            bs += exp(v[k] - m);
        }
        s += bs;
    }

    /* Tree-combine the (m, s) pairs of the work-group. */
    scratch_m[lid] = m;
    scratch_s[lid] = s;
    barrier(CLK_LOCAL_MEM_FENCE);
    for (uint step = WG / 2; step > 0; step >>= 1) {
        if (lid < step) {
            real mm = scratch_m[lid];
            real ss = scratch_s[lid];
            merge_pair(&mm, &ss, scratch_m[lid + step], scratch_s[lid + step]);
            scratch_m[lid] = mm;
            scratch_s[lid] = ss;
        }
        barrier(CLK_LOCAL_MEM_FENCE);
    }
    if (lid == 0) {
        part[2 * gid] = scratch_m[0];
        part[2 * gid + 1] = scratch_s[0];
    }
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_finish(__global const real *x, __global real *y,
                    __global const real *restrict part,
                    const ulong rows, const ulong cols, const ulong chunk, const uint split) {
    const ulong gid = get_group_id(0);
    const ulong r = gid / split;
    const ulong g = gid % split;
    const uint lid = get_local_id(0);

    /* Every work-item folds the row's SPLIT pairs in the same order: cheap (SPLIT is small next
     * to the chunk) and identical in every group, so all chunks of a row share one (max, sum). */
    __global const real *pr = part + 2 * r * split;
    real m = REAL_LOWEST;
    real s = 0;
    for (uint j = 0; j < split; j++) {
        merge_pair(&m, &s, pr[2 * j], pr[2 * j + 1]);
    }
    const real inv = (real)1 / s;

    __global const real *xr = x + r * cols;
    __global real *yr = y + r * cols;
    const ulong begin = g * chunk;
    const ulong end = min(begin + chunk, cols);
    for (ulong c = begin + lid; c < end; c += WG) {
        yr[c] = exp(xr[c] - m) * inv;
    }
}

/* ================================ vector variants (CPU) ==================================== */

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(REAL_NAME, 2) real2;
typedef CAT(REAL_NAME, 4) real4;
typedef CAT(REAL_NAME, 8) real8;
typedef CAT(REAL_NAME, 16) real16;
typedef CAT(REAL_NAME, VEC) realv;
#define VLOAD CAT(vload, VEC)
#define VSTORE CAT(vstore, VEC)

inline real hmax2(real2 v) { return fmax(v.x, v.y); }
inline real hmax4(real4 v) { return hmax2(fmax(v.lo, v.hi)); }
inline real hmax8(real8 v) { return hmax4(fmax(v.lo, v.hi)); }
inline real hmax16(real16 v) { return hmax8(fmax(v.lo, v.hi)); }
inline real hsum2(real2 v) { return v.x + v.y; }
inline real hsum4(real4 v) { return hsum2(v.lo + v.hi); }
inline real hsum8(real8 v) { return hsum4(v.lo + v.hi); }
inline real hsum16(real16 v) { return hsum8(v.lo + v.hi); }
#define HMAX CAT(hmax, VEC)
#define HSUM CAT(hsum, VEC)

/* Up to VEC - 1 elements as one vector, padded with -inf (which contributes exactly 0). */
inline realv load_part(__global const real *p, uint n) {
    realv v = (realv)(-INFINITY);
    real *vp = (real *)&v;
    for (uint c = 0; c < n; c++) {
        vp[c] = p[c];
    }
    return v;
}

inline void store_part(__global real *p, realv v, uint n) {
    const real *vp = (const real *)&v;
    for (uint c = 0; c < n; c++) {
        p[c] = vp[c];
    }
}

/* Blocks of this many vectors are summed on their own before joining the total, so no lane
 * accumulates a long chain of float additions. */
#define SUM_BLOCK 16

/* Writes e = exp(x - m) for the aligned body of nv vectors and returns the sum of e (two-level). */
inline realv exp_store_sum(__global const real *xb, __global real *yb, ulong nv, real m) {
    realv total = 0;
    ulong j = 0;
    for (; j + SUM_BLOCK <= nv; j += SUM_BLOCK) {
        realv block = 0;
        for (int k = 0; k < SUM_BLOCK; k++) {
            const realv e = exp(VLOAD(j + k, xb) - m);
            VSTORE(e, j + k, yb);
            block += e;
        }
        total += block;
    }
    realv block = 0;
    for (; j < nv; j++) {
        const realv e = exp(VLOAD(j, xb) - m);
        VSTORE(e, j, yb);
        block += e;
    }
    return total + block;
}

/* ---- softmax_vector: one work-item per row ----------------------------------------------- */
__kernel void softmax_vector(__global const real *x, __global real *y, const ulong rows, const ulong cols) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const real *xr = x + r * cols;
    __global real *yr = y + r * cols;
    const ulong nv = cols / VEC;
    const uint tail = (uint)(cols - nv * VEC);

    realv tv = load_part(xr + nv * VEC, tail);
    realv mv = fmax(tv, (realv)(REAL_LOWEST));
    for (ulong j = 0; j < nv; j++) {
        mv = fmax(mv, VLOAD(j, xr));
    }
    const real m = HMAX(mv);

    tv = exp(tv - m);
    const realv sv = exp_store_sum(xr, yr, nv, m) + tv;
    const realv inv = (realv)((real)1 / HSUM(sv));
    for (ulong j = 0; j < nv; j++) {
        VSTORE(VLOAD(j, yr) * inv, j, yr);
    }
    store_part(yr + nv * VEC, tv * inv, tail);
}

/* ---- softmax_tile: VEC short rows per work-item, shifted by the tile's max ------------------- */
/* Softmax is unchanged by any shift of a row, so the fast path subtracts one max for the whole tile
 * (VEC rows, COLS vectors of VEC contiguous values) and needs no per-row work but the sums and the
 * scale. It is exact to the tolerance as long as every row's sum of exp(x - tile max) stays large:
 * then every output above the relative floor comes from a normal, full-precision exponential. A
 * tile where any row sums below TILE_MIN_SUM (a row far below the tile's max), or is NaN (NaN,
 * +inf, or all -inf), is recomputed row by row with each row's own max. The tile's rows are fixed by
 * the row index (rows VEC*k .. VEC*k+VEC-1 of a call), so callers keep calls aligned to VEC rows
 * (Plan.rowGroup) to keep results independent of how a batch is split. */
#ifdef USE_DOUBLE
#define TILE_MIN_SUM 0x1p-50
#else
#define TILE_MIN_SUM 0x1p-24f
#endif

inline void exact_row(__global const real *xr, __global real *yr, uint n) {
    real m = REAL_LOWEST;
    for (uint c = 0; c < n; c++) {
        m = fmax(m, xr[c]);
    }
    real s = 0;
    for (uint c = 0; c < n; c++) {
        const real e = exp(xr[c] - m);
        yr[c] = e;
        s += e;
    }
    const real inv = (real)1 / s;
    for (uint c = 0; c < n; c++) {
        yr[c] *= inv;
    }
}

__kernel void softmax_tile(__global const real *x, __global real *y, const ulong rows) {
    const ulong r0 = get_global_id(0) * VEC;
    if (r0 >= rows) {
        return;
    }
    __global const real *xt = x + r0 * COLS;
    __global real *yt = y + r0 * COLS;
    const uint nr = (uint)min((ulong)VEC, rows - r0);
    if (nr < VEC) { /* the last, partial tile */
        for (uint r = 0; r < nr; r++) {
            exact_row(xt + r * COLS, yt + r * COLS, COLS);
        }
        return;
    }
    realv v[COLS];
    realv mv = (realv)(REAL_LOWEST);
    for (int i = 0; i < COLS; i++) {
        v[i] = VLOAD(i, xt);
        mv = fmax(mv, v[i]);
    }
    const real tile_max = HMAX(mv);
    for (int i = 0; i < COLS; i++) {
        v[i] = exp(v[i] - tile_max);
    }
    real *e = (real *)v;
    real inv[VEC];
    int exact = 0;
    for (int r = 0; r < VEC; r++) {
        real s = 0;
        for (int c = 0; c < COLS; c++) {
            s += e[r * COLS + c];
        }
        inv[r] = (real)1 / s;
        exact |= !(s >= TILE_MIN_SUM);
    }
    if (exact) {
        for (uint r = 0; r < VEC; r++) {
            exact_row(xt + r * COLS, yt + r * COLS, COLS);
        }
        return;
    }
    for (int r = 0; r < VEC; r++) {
        for (int c = 0; c < COLS; c++) {
            e[r * COLS + c] *= inv[r];
        }
    }
    for (int i = 0; i < COLS; i++) {
        VSTORE(v[i], i, yt);
    }
}

/* ---- softmax_chunk_partial / softmax_chunk_finish: one work-item per chunk of a row --------- */
/* Work-item g of row r covers columns [g * chunk, min((g + 1) * chunk, cols)). */

__kernel void softmax_chunk_partial(__global const real *restrict x, __global real *restrict part,
                                    const ulong rows, const ulong cols, const ulong chunk, const uint split) {
    const ulong gid = get_global_id(0);
    if (gid >= rows * split) {
        return;
    }
    const ulong r = gid / split;
    const ulong g = gid % split;
    const ulong begin = min(g * chunk, cols);
    const ulong n = min(begin + chunk, cols) - begin;
    __global const real *xb = x + r * cols + begin;
    const ulong nv = n / VEC;
    const uint tail = (uint)(n - nv * VEC);

    const realv tv = load_part(xb + nv * VEC, tail);
    real m = HMAX(fmax(tv, (realv)(REAL_LOWEST)));
    realv s = exp(tv - m);
    /* Online over blocks of vectors: rescale only when a block raises the max. */
    for (ulong j = 0; j < nv; j += SUM_BLOCK) {
        const ulong end = min(nv, j + SUM_BLOCK);
        realv bm = (realv)(REAL_LOWEST);
        for (ulong k = j; k < end; k++) {
            bm = fmax(bm, VLOAD(k, xb));
        }
        const real b = HMAX(bm);
        if (b > m) {
            s *= exp(m - b);
            m = b;
        }
        realv block = 0;
        for (ulong k = j; k < end; k++) {
            block += exp(VLOAD(k, xb) - m);
        }
        s += block;
    }
    part[2 * gid] = m;
    part[2 * gid + 1] = HSUM(s);
}

__kernel void softmax_chunk_finish(__global const real *x, __global real *y, __global const real *restrict part,
                                   const ulong rows, const ulong cols, const ulong chunk, const uint split) {
    const ulong gid = get_global_id(0);
    if (gid >= rows * split) {
        return;
    }
    const ulong r = gid / split;
    const ulong g = gid % split;
    __global const real *pr = part + 2 * r * split;
    real m = REAL_LOWEST;
    real s = 0;
    for (uint j = 0; j < split; j++) {
        merge_pair(&m, &s, pr[2 * j], pr[2 * j + 1]);
    }
    const real inv = (real)1 / s;

    const ulong begin = min(g * chunk, cols);
    const ulong n = min(begin + chunk, cols) - begin;
    __global const real *xb = x + r * cols + begin;
    __global real *yb = y + r * cols + begin;
    const ulong nv = n / VEC;
    const uint tail = (uint)(n - nv * VEC);
    for (ulong j = 0; j < nv; j++) {
        VSTORE(exp(VLOAD(j, xb) - m) * inv, j, yb);
    }
    store_part(yb + nv * VEC, exp(load_part(xb + nv * VEC, tail) - m) * inv, tail);
}
