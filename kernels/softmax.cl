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
 *   softmax_strided    any axis of an N-d array seen as (outer, K, inner): one work-item per VEC
 *                      adjacent inner positions, one softmax per vector lane, reading the strided
 *                      layout in place (no transpose).
 *   softmax_backward_vector / softmax_backward_strided
 *                      gradients: dx = y * (dy - sum(dy * y)) for softmax, dx = dy - exp(y) * sum(dy)
 *                      for log-softmax (times 1/T with a temperature).
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
 * The softmax family is one set of kernels with compile-time options (the program cache keys on them):
 *   LOG_SOFTMAX   write x - max - log(sum exp(x - max)), computed directly, never as log(softmax)
 *   SCALED        multiply every input by the runtime argument `scale` (1/T: softmax(x / T));
 *                 without it the arithmetic is the plain one, so T = 1 is bit-identical by design
 *   HAS_MASK      runtime arguments `mask` (bytes, 0 = masked) and `mask_stride` (cols for a full
 *                 mask, 0 for one row broadcast over all rows); masked entries act as -inf
 *   MASKED_ZERO   a row with no finite unmasked entry gives zeros (-inf for log) instead of NaN
 *   STORAGE_HALF / STORAGE_BF16  16-bit storage (IEEE half through vload_half / vstore_half, which
 *                 need no cl_khr_fp16; bfloat16 through bit shifts), arithmetic in float32
 * Gradients (softmax_backward_*) and any-axis softmax (softmax_strided) live here too.
 *
 * Every tunable has a default, so this file compiles on its own:
 *   USE_DOUBLE  compute in float64 (needs cl_khr_fp64); float32 otherwise
 *   WG      work-group size, a power of two (work-group variants)
 *   ITEMS   values held per work-item in softmax_registers (row length <= WG * ITEMS)
 *   UNROLL  elements per work-item per step of the online loop in softmax_partial
 *   VEC     vector width of the vector variants: 2, 4, 8 or 16
 *   COLS    row length compiled into softmax_tile (1 to 64)
 */

/* No fused multiply-add contraction: with a temperature, x * scale must be the same rounded value
 * when it is compared against the max and when it is exponentiated; an FMA in one place would let
 * exp see the exact product (at |x * scale| ~ 1e4, half a float ulp is 5e-4 in the exponent). */
#pragma OPENCL FP_CONTRACT OFF

#if defined(STORAGE_HALF) || defined(STORAGE_BF16)
#define REAL_NAME float
#define INT_NAME int
#define REAL_LOWEST (-FLT_MAX)
#elif defined(USE_DOUBLE)
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
#define REAL_NAME double
#define INT_NAME long
#define REAL_LOWEST (-DBL_MAX)
#else
#define REAL_NAME float
#define INT_NAME int
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

#define CAT_(a, b) a##b
#define CAT(a, b) CAT_(a, b)
typedef CAT(REAL_NAME, 2) real2;
typedef CAT(REAL_NAME, 4) real4;
typedef CAT(REAL_NAME, 8) real8;
typedef CAT(REAL_NAME, 16) real16;
typedef CAT(REAL_NAME, VEC) realv;
typedef CAT(INT_NAME, VEC) intv;
typedef CAT(uchar, VEC) ucharv;
#define CONVERT_INTV CAT(convert_, CAT(INT_NAME, VEC))

/* ---- storage: what x and y hold, converted to and from `real` ------------------------------ */
#if defined(STORAGE_HALF)
typedef half store_t;
#define LD1(p, i) vload_half((i), (p))
#define ST1(p, i, v) vstore_half_rte((v), (i), (p))
#define LDV(j, p) CAT(vload_half, VEC)((j), (p))
#define STV(v, j, p) CAT(CAT(vstore_half, VEC), _rte)((v), (j), (p))
#elif defined(STORAGE_BF16)
typedef ushort store_t;
typedef CAT(uint, VEC) uintv;
typedef CAT(ushort, VEC) ushortv;
inline float bf16_load(ushort b) {
    return as_float((uint)b << 16);
}
/* Round to nearest even; NaN stays a (quiet) NaN with its sign. */
inline ushort bf16_store(float f) {
    const uint u = as_uint(f);
    return isnan(f) ? (ushort)((u >> 16) | 0x40u) : (ushort)((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16);
}
inline realv bf16_loadv(size_t j, __global const ushort *p) {
    return CAT(as_float, VEC)(CAT(convert_uint, VEC)(CAT(vload, VEC)(j, p)) << 16);
}
inline void bf16_storev(realv v, size_t j, __global ushort *p) {
    const uintv u = CAT(as_uint, VEC)(v);
    const uintv r = select((u + 0x7FFFu + ((u >> 16) & 1u)) >> 16, (u >> 16) | 0x40u, isnan(v));
    CAT(vstore, VEC)(CAT(convert_ushort, VEC)(r), j, p);
}
#define LD1(p, i) bf16_load((p)[i])
#define ST1(p, i, v) ((p)[i] = bf16_store(v))
#define LDV(j, p) bf16_loadv((j), (p))
#define STV(v, j, p) bf16_storev((v), (j), (p))
#else
typedef real store_t;
#define LD1(p, i) ((p)[i])
#define ST1(p, i, v) ((p)[i] = (v))
#define LDV(j, p) CAT(vload, VEC)((j), (p))
#define STV(v, j, p) CAT(vstore, VEC)((v), (j), (p))
#endif

/* y may hold exp(x - max) between passes only when that costs no rounding and softmax (not its
 * log) is the result; otherwise the last pass recomputes from x. */
#if !defined(STORAGE_HALF) && !defined(STORAGE_BF16) && !defined(LOG_SOFTMAX)
#define KEEP_EXP
#endif

/* ---- options: temperature and mask ------------------------------------------------------- */
#ifdef SCALED
#define SCALE_PARAM , const real scale
#define SCALE_ARG , scale
#define SCALE(v) ((v) * scale)
#else
#define SCALE_PARAM
#define SCALE_ARG
#define SCALE(v) (v)
#endif

#ifdef HAS_MASK
#define MASK_PARAM , __global const uchar *mask, const ulong mask_stride
#define MASK_ROW(r) (mask + (r) * mask_stride)
#define MASK_AT(mp, off) ((mp) + (off))
#define MASK_BASE(off) (mask + (off))
#define XIN1(xp, mp, c) ((mp)[c] ? SCALE(LD1(xp, c)) : (real)(-INFINITY))
#define XINV(j, xp, mp) keep_v(SCALE(LDV(j, xp)), CAT(vload, VEC)((j), (mp)))
inline realv keep_v(realv v, ucharv m) {
    return select((realv)(-INFINITY), v, CONVERT_INTV(m != (ucharv)(0)));
}
#else
#define MASK_PARAM
#define MASK_ROW(r) ((__global const uchar *)0)
#define MASK_AT(mp, off) (mp)
#define MASK_BASE(off) ((__global const uchar *)0)
#define XIN1(xp, mp, c) SCALE(LD1(xp, c))
#define XINV(j, xp, mp) SCALE(LDV(j, xp))
#endif
#define EXTRA_PARAMS MASK_PARAM SCALE_PARAM

/* ---- normalisation ------------------------------------------------------------------------ */
/* s == 0 happens only when a row has no finite (unmasked) entry. */
inline real norm_inv(real s) {
#ifdef MASKED_ZERO
    return s == 0 ? (real)0 : (real)1 / s;
#else
    return (real)1 / s;
#endif
}

inline real norm_log(real s) {
#ifdef MASKED_ZERO
    return s == 0 ? (real)INFINITY : log(s);
#else
    return log(s);
#endif
}

/* The output from the input t (after scale and mask), the shift m, e = exp(t - m), and the row's
 * 1/sum and log(sum). Macro arguments not used by the form are never evaluated. */
#ifdef LOG_SOFTMAX
#define RESULT(t, m, e, inv, lg) (((t) - (m)) - (lg))
#else
#define RESULT(t, m, e, inv, lg) ((e) * (inv))
#endif

/* ================================ work-group variants (GPU) ================================ */

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
__kernel void softmax_rows(__global const store_t *x, __global store_t *y, const ulong rows,
                           const ulong cols EXTRA_PARAMS) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const store_t *xr = x + r * cols;
    __global store_t *yr = y + r * cols;
    __global const uchar *mr = MASK_ROW(r);
    real m = REAL_LOWEST;
    for (ulong c = 0; c < cols; c++) {
        m = fmax(m, XIN1(xr, mr, c));
    }
    /* The sum is two-level (blocks of 32, then the block sums) so no float chain is long. */
    real s = 0;
    real bs = 0;
    for (ulong c = 0; c < cols; c++) {
        const real e = exp(XIN1(xr, mr, c) - m);
#ifdef KEEP_EXP
        yr[c] = e; /* computed once, scaled in place below (the row is in cache) */
#endif
        bs += e;
        if ((c & 31) == 31) {
            s += bs;
            bs = 0;
        }
    }
    s += bs;
    const real inv = norm_inv(s);
    const real lg = norm_log(s);
    for (ulong c = 0; c < cols; c++) {
#ifdef KEEP_EXP
        yr[c] *= inv;
#else
        const real t = XIN1(xr, mr, c);
        ST1(yr, c, RESULT(t, m, exp(t - m), inv, lg));
#endif
    }
}

/* ---- softmax_registers: one work-group per row, row held in private memory ----------------- */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_registers(__global const store_t *x, __global store_t *y, const ulong rows,
                       const ulong cols EXTRA_PARAMS) {
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

/* ---- softmax_partial / softmax_finish: online normaliser, SPLIT groups per row ------------- */
/* Group g of row r covers columns [g * chunk, min((g + 1) * chunk, cols)). */

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_partial(__global const store_t *restrict x, __global real *restrict part, const ulong rows,
                     const ulong cols, const ulong chunk, const uint split EXTRA_PARAMS) {
    __local real scratch_m[WG];
    __local real scratch_s[WG];
    const ulong gid = get_group_id(0);
    const ulong r = gid / split;
    const ulong g = gid % split;
    const uint lid = get_local_id(0);
    __global const store_t *xr = x + r * cols;
    __global const uchar *mr = MASK_ROW(r);
    const ulong begin = g * chunk;
    const ulong end = min(begin + chunk, cols);

    real m = REAL_LOWEST;
    real s = 0;
    for (ulong base = begin; base < end; base += (ulong)WG * UNROLL) {
        real v[UNROLL];
        real bm = REAL_LOWEST;
        for (int k = 0; k < UNROLL; k++) {
            const ulong c = base + lid + (ulong)k * WG;
            v[k] = c < end ? XIN1(xr, mr, c) : (real)(-INFINITY);
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
void softmax_finish(__global const store_t *x, __global store_t *y, __global const real *restrict part,
                    const ulong rows, const ulong cols, const ulong chunk, const uint split EXTRA_PARAMS) {
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
    const real inv = norm_inv(s);
    const real lg = norm_log(s);

    __global const store_t *xr = x + r * cols;
    __global store_t *yr = y + r * cols;
    __global const uchar *mr = MASK_ROW(r);
    const ulong begin = g * chunk;
    const ulong end = min(begin + chunk, cols);
    for (ulong c = begin + lid; c < end; c += WG) {
        const real t = XIN1(xr, mr, c);
        ST1(yr, c, RESULT(t, m, exp(t - m), inv, lg));
    }
}

/* ================================ vector variants (CPU) ==================================== */

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

/* Up to VEC - 1 inputs as one vector, padded with -inf (which contributes exactly 0). */
inline realv load_part(__global const store_t *p, __global const uchar *mp, uint n SCALE_PARAM) {
    realv v = (realv)(-INFINITY);
    real *vp = (real *)&v;
    for (uint c = 0; c < n; c++) {
        vp[c] = XIN1(p, mp, c);
    }
    return v;
}

inline void store_part(__global store_t *p, realv v, uint n) {
    const real *vp = (const real *)&v;
    for (uint c = 0; c < n; c++) {
        ST1(p, c, vp[c]);
    }
}

/* Blocks of this many vectors are summed on their own before joining the total, so no lane
 * accumulates a long chain of float additions. */
#define SUM_BLOCK 16

/* ---- softmax_vector: one work-item per row ----------------------------------------------- */
__kernel void softmax_vector(__global const store_t *x, __global store_t *y, const ulong rows,
                             const ulong cols EXTRA_PARAMS) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const store_t *xr = x + r * cols;
    __global store_t *yr = y + r * cols;
    __global const uchar *mr = MASK_ROW(r);
    const ulong nv = cols / VEC;
    const uint tail = (uint)(cols - nv * VEC);

    const realv tv = load_part(xr + nv * VEC, MASK_AT(mr, nv * VEC), tail SCALE_ARG);
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

/* ---- softmax_tile: VEC short rows per work-item, shifted by the tile's max ------------------- */
/* Softmax is unchanged by any shift of a row, so the fast path subtracts one max for the whole tile
 * (VEC rows, COLS vectors of VEC contiguous values) and needs no per-row work but the sums and the
 * scale. It is exact to the tolerance as long as every row's sum of exp(x - tile max) stays large:
 * then every output above the relative floor comes from a normal, full-precision exponential. A
 * tile where any row sums below TILE_MIN_SUM (a row far below the tile's max), or is NaN (NaN,
 * +inf, or all -inf), is recomputed row by row with each row's own max. The tile's rows are fixed by
 * the row index (rows VEC*k .. VEC*k+VEC-1 of a call), so callers keep calls aligned to VEC rows
 * (Plan.rowGroup) to keep results independent of how a batch is split. */
#if defined(USE_DOUBLE) && !defined(STORAGE_HALF) && !defined(STORAGE_BF16)
#define TILE_MIN_SUM 0x1p-50
#else
#define TILE_MIN_SUM 0x1p-24f
#endif

inline void exact_row(__global const store_t *xr, __global store_t *yr, __global const uchar *mr,
                      uint n SCALE_PARAM) {
    real m = REAL_LOWEST;
    for (uint c = 0; c < n; c++) {
        m = fmax(m, XIN1(xr, mr, c));
    }
    real s = 0;
    for (uint c = 0; c < n; c++) {
        s += exp(XIN1(xr, mr, c) - m);
    }
    const real inv = norm_inv(s);
    const real lg = norm_log(s);
    for (uint c = 0; c < n; c++) {
        const real t = XIN1(xr, mr, c);
        ST1(yr, c, RESULT(t, m, exp(t - m), inv, lg));
    }
}

__kernel void softmax_tile(__global const store_t *x, __global store_t *y, const ulong rows EXTRA_PARAMS) {
    const ulong r0 = get_global_id(0) * VEC;
    if (r0 >= rows) {
        return;
    }
    __global const store_t *xt = x + r0 * COLS;
    __global store_t *yt = y + r0 * COLS;
    const uint nr = (uint)min((ulong)VEC, rows - r0);
    if (nr < VEC) { /* the last, partial tile */
        for (uint r = 0; r < nr; r++) {
            exact_row(xt + r * COLS, yt + r * COLS, MASK_ROW(r0 + r), COLS SCALE_ARG);
        }
        return;
    }
    realv v[COLS];
    for (int i = 0; i < COLS; i++) {
        v[i] = SCALE(LDV(i, xt));
    }
    real *e = (real *)v;
#ifdef HAS_MASK
    for (int r = 0; r < VEC; r++) {
        __global const uchar *mr = MASK_ROW(r0 + r);
        for (int c = 0; c < COLS; c++) {
            e[r * COLS + c] = mr[c] ? e[r * COLS + c] : (real)(-INFINITY);
        }
    }
#endif
    realv mv = (realv)(REAL_LOWEST);
    for (int i = 0; i < COLS; i++) {
        mv = fmax(mv, v[i]);
    }
    const real tile_max = HMAX(mv);
#ifdef LOG_SOFTMAX
    realv t[COLS];
    for (int i = 0; i < COLS; i++) {
        t[i] = v[i];
    }
    const real *tp = (const real *)t;
#endif
    for (int i = 0; i < COLS; i++) {
        v[i] = exp(v[i] - tile_max);
    }
    real inv[VEC];
    real lg[VEC];
    int exact = 0;
    for (int r = 0; r < VEC; r++) {
        real s = 0;
        for (int c = 0; c < COLS; c++) {
            s += e[r * COLS + c];
        }
        inv[r] = (real)1 / s;
        lg[r] = log(s);
        exact |= !(s >= TILE_MIN_SUM);
    }
    if (exact) {
        for (uint r = 0; r < VEC; r++) {
            exact_row(xt + r * COLS, yt + r * COLS, MASK_ROW(r0 + r), COLS SCALE_ARG);
        }
        return;
    }
    for (int r = 0; r < VEC; r++) {
        for (int c = 0; c < COLS; c++) {
            e[r * COLS + c] = RESULT(tp[r * COLS + c], tile_max, e[r * COLS + c], inv[r], lg[r]);
        }
    }
    for (int i = 0; i < COLS; i++) {
        STV(v[i], i, yt);
    }
}

/* ---- softmax_chunk_partial / softmax_chunk_finish: one work-item per chunk of a row --------- */
/* Work-item g of row r covers columns [g * chunk, min((g + 1) * chunk, cols)). */

__kernel void softmax_chunk_partial(__global const store_t *restrict x, __global real *restrict part,
                                    const ulong rows, const ulong cols, const ulong chunk,
                                    const uint split EXTRA_PARAMS) {
    const ulong gid = get_global_id(0);
    if (gid >= rows * split) {
        return;
    }
    const ulong r = gid / split;
    const ulong g = gid % split;
    const ulong begin = min(g * chunk, cols);
    const ulong n = min(begin + chunk, cols) - begin;
    __global const store_t *xb = x + r * cols + begin;
    __global const uchar *mb = MASK_AT(MASK_ROW(r), begin);
    const ulong nv = n / VEC;
    const uint tail = (uint)(n - nv * VEC);

    const realv tv = load_part(xb + nv * VEC, MASK_AT(mb, nv * VEC), tail SCALE_ARG);
    real m = HMAX(fmax(tv, (realv)(REAL_LOWEST)));
    realv s = exp(tv - m);
    /* Online over blocks of vectors: rescale only when a block raises the max. */
    for (ulong j = 0; j < nv; j += SUM_BLOCK) {
        const ulong end = min(nv, j + SUM_BLOCK);
        realv bm = (realv)(REAL_LOWEST);
        for (ulong k = j; k < end; k++) {
            bm = fmax(bm, XINV(k, xb, mb));
        }
        const real b = HMAX(bm);
        if (b > m) {
            s *= exp(m - b);
            m = b;
        }
        realv block = 0;
        for (ulong k = j; k < end; k++) {
            block += exp(XINV(k, xb, mb) - m);
        }
        s += block;
    }
    part[2 * gid] = m;
    part[2 * gid + 1] = HSUM(s);
}

__kernel void softmax_chunk_finish(__global const store_t *x, __global store_t *y,
                                   __global const real *restrict part, const ulong rows, const ulong cols,
                                   const ulong chunk, const uint split EXTRA_PARAMS) {
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
    const real inv = norm_inv(s);
    const real lg = norm_log(s);

    const ulong begin = min(g * chunk, cols);
    const ulong n = min(begin + chunk, cols) - begin;
    __global const store_t *xb = x + r * cols + begin;
    __global store_t *yb = y + r * cols + begin;
    __global const uchar *mb = MASK_AT(MASK_ROW(r), begin);
    const ulong nv = n / VEC;
    const uint tail = (uint)(n - nv * VEC);
    for (ulong j = 0; j < nv; j++) {
        const realv t = XINV(j, xb, mb);
        STV(RESULT(t, m, exp(t - m), inv, lg), j, yb);
    }
    const realv tv = load_part(xb + nv * VEC, MASK_AT(mb, nv * VEC), tail SCALE_ARG);
    store_part(yb + nv * VEC, RESULT(tv, m, exp(tv - m), inv, lg), tail);
}

/* ================================ any axis ================================================= */
/* The array is seen as (outer, K, inner) and softmax runs over K, whose elements are inner apart.
 * Work-item g takes one outer slice and a strip of STRIP x VEC adjacent inner positions, one softmax
 * per lane: each row contributes STRIP contiguous vectors, and adjacent work-items read adjacent
 * memory. Rows are processed in tiles (at most MAX_TILES per strip) so that exp runs once per
 * element: per tile a max pass and an exp-and-sum pass that hits cache, then one rescaling pass with
 * one factor per tile; DRAM sees two reads and two writes, and a power-of-two row length (every row
 * of a strip in the same cache sets) costs no extra exp. A mask, if any, has the array's full shape
 * (mask_stride is unused). */

/* One column, scalar: the lanes left over when inner is not a multiple of VEC. */
inline void exact_column(__global const store_t *xc, __global store_t *yc, __global const uchar *mc,
                         ulong k_len, ulong stride SCALE_PARAM) {
    real m = REAL_LOWEST;
    for (ulong k = 0; k < k_len; k++) {
        m = fmax(m, XIN1(xc, mc, k * stride));
    }
    real s = 0;
    real bs = 0;
    for (ulong k = 0; k < k_len; k++) {
        bs += exp(XIN1(xc, mc, k * stride) - m);
        if ((k & 31) == 31) {
            s += bs;
            bs = 0;
        }
    }
    s += bs;
    const real inv = norm_inv(s);
    const real lg = norm_log(s);
    for (ulong k = 0; k < k_len; k++) {
        const real t = XIN1(xc, mc, k * stride);
        ST1(yc, k * stride, RESULT(t, m, exp(t - m), inv, lg));
    }
}

inline realv norm_inv_v(realv s) {
#ifdef MASKED_ZERO
    return select((realv)((real)1) / s, (realv)(0), CONVERT_INTV(s == (realv)(0)));
#else
    return (realv)((real)1) / s;
#endif
}

inline realv norm_log_v(realv s) {
#ifdef MASKED_ZERO
    return select(log(s), (realv)(INFINITY), CONVERT_INTV(s == (realv)(0)));
#else
    return log(s);
#endif
}

#ifndef STRIP
#define STRIP 8
#endif
/* At most this many row tiles per column strip: their maxima are kept in private memory. */
#define MAX_TILES 32

__kernel void softmax_strided(__global const store_t *x, __global store_t *y, const ulong outer,
                              const ulong k_len, const ulong inner EXTRA_PARAMS) {
    const ulong per = (ulong)VEC * STRIP;
    const ulong strips = (inner + per - 1) / per;
    const ulong g = get_global_id(0);
    if (g >= outer * strips) {
        return;
    }
    const ulong o = g / strips;
    const ulong i0 = (g % strips) * per;
    const ulong slab = o * k_len * inner;
    const uint full = (uint)min((ulong)STRIP, (inner - i0) / VEC);
    __global const uchar *mslab = MASK_BASE(slab);
    /* Lanes past the last full vector: one scalar column each. */
    for (ulong l = i0 + (ulong)full * VEC; l < min(i0 + per, inner); l++) {
        exact_column(x + slab + l, y + slab + l, MASK_AT(mslab, l), k_len, inner SCALE_ARG);
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

/* ---- softmax_sweep_*: any axis on CPUs, sweeping whole rows ------------------------------- */
/* A work-item owns a chunk of rows of one outer slice and streams them front to back, keeping each
 * column's running (max, sum) in `part` (inner values each; a few tens of KiB, cache-resident): a
 * row is read as one contiguous run, which the hardware prefetchers follow, instead of one strided
 * strip per work-item. Rows are folded in blocks of SWEEP_BLOCK: the block's max per column first,
 * then one rescale and SWEEP_BLOCK exps. softmax_sweep_combine folds the chunks' pairs per column
 * into (max, 1/sum, log sum); softmax_sweep_finish writes the output, sweeping rows again:
 * DRAM sees two reads and one write. part holds, per (outer, chunk), inner maxima then inner sums. */
#define SWEEP_BLOCK 8

/* Rows [*k0, *k1) of chunk c out of `chunks` over an axis of k_len rows. */
inline void sweep_rows(ulong c, uint chunks, ulong k_len, ulong *k0, ulong *k1) {
    const ulong per = (k_len + chunks - 1) / chunks;
    *k0 = min(c * per, k_len);
    *k1 = min(*k0 + per, k_len);
}

__kernel void softmax_sweep_partial(__global const store_t *x, __global real *part, const ulong outer,
                                    const ulong k_len, const ulong inner, const uint chunks EXTRA_PARAMS) {
    const ulong gid = get_global_id(0);
    if (gid >= outer * chunks) {
        return;
    }
    const ulong o = gid / chunks;
    ulong k0;
    ulong k1;
    sweep_rows(gid % chunks, chunks, k_len, &k0, &k1);
    __global const store_t *xs = x + o * k_len * inner;
    __global const uchar *ms = MASK_BASE(o * k_len * inner);
    __global real *pm = part + gid * 2 * inner;
    __global real *ps = pm + inner;
    const ulong nv = inner / VEC;
    for (ulong j = 0; j < inner; j++) {
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
        for (ulong i = nv * VEC; i < inner; i++) { /* columns past the last full vector */
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

/* One work-item per (outer, column): folds the chunks' pairs in order; writes max, 1/sum, log sum. */
__kernel void softmax_sweep_combine(__global real *part, __global real *stats, const ulong outer,
                                    const ulong inner, const uint chunks) {
    const ulong gid = get_global_id(0);
    if (gid >= outer * inner) {
        return;
    }
    const ulong o = gid / inner;
    const ulong i = gid % inner;
    real m = REAL_LOWEST;
    real s = 0;
    for (uint c = 0; c < chunks; c++) {
        __global const real *pm = part + (o * chunks + c) * 2 * inner;
        merge_pair(&m, &s, pm[i], pm[inner + i]);
    }
    __global real *st = stats + o * 3 * inner;
    st[i] = m;
    st[inner + i] = norm_inv(s);
    st[2 * inner + i] = norm_log(s);
}

__kernel void softmax_sweep_finish(__global const store_t *x, __global store_t *y, __global const real *stats,
                                   const ulong outer, const ulong k_len, const ulong inner,
                                   const uint chunks EXTRA_PARAMS) {
    const ulong gid = get_global_id(0);
    if (gid >= outer * chunks) {
        return;
    }
    const ulong o = gid / chunks;
    ulong k0;
    ulong k1;
    sweep_rows(gid % chunks, chunks, k_len, &k0, &k1);
    __global const store_t *xs = x + o * k_len * inner;
    __global store_t *ys = y + o * k_len * inner;
    __global const uchar *ms = MASK_BASE(o * k_len * inner);
    __global const real *sm = stats + o * 3 * inner;
    __global const real *si = sm + inner;
    __global const real *sl = si + inner;
    const ulong nv = inner / VEC;
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
            for (ulong i = nv * VEC; i < inner; i++) {
                const real t = XIN1(xs + k * inner, MASK_AT(ms, k * inner), i);
                ST1(ys + k * inner, i, RESULT(t, sm[i], exp(t - sm[i]), si[i], sl[i]));
            }
        }
    }
}

/* ================================ gradients ================================================ */
/* Given the forward output y and the upstream gradient dy (same layout), the gradient w.r.t. the
 * logits: softmax: dx = y * (dy - sum(dy * y)); log-softmax (y = log-probabilities):
 * dx = dy - exp(y) * sum(dy). With a temperature (SCALED), both are multiplied by scale = 1/T. */

#ifdef LOG_SOFTMAX
#define GRAD_TERM(yv, dv) (dv)
#define GRAD_OUT(yv, dv, acc) ((dv) - exp(yv) * (acc))
#else
#define GRAD_TERM(yv, dv) ((yv) * (dv))
#define GRAD_OUT(yv, dv, acc) ((yv) * ((dv) - (acc)))
#endif

__kernel void softmax_backward_vector(__global const store_t *y, __global const store_t *dy, __global store_t *dx,
                                      const ulong rows, const ulong cols SCALE_PARAM) {
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

__kernel void softmax_backward_strided(__global const store_t *y, __global const store_t *dy, __global store_t *dx,
                                       const ulong outer, const ulong k_len, const ulong inner SCALE_PARAM) {
    const ulong lanes = (inner + VEC - 1) / VEC;
    const ulong g = get_global_id(0);
    if (g >= outer * lanes) {
        return;
    }
    const ulong o = g / lanes;
    const ulong i0 = (g % lanes) * VEC;
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
