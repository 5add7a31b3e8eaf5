/*
 * softmax.cl - row-wise softmax, one kernel family for every row shape.
 *
 *   y[r][c] = exp(x[r][c] - max_c x[r][c]) / sum_c exp(x[r][c] - max_c x[r][c])
 *
 * Variants (the host picks one by row length and device limits; every one is tested against the
 * CPU reference):
 *   softmax_rows       one work-item per row, for short rows (tens of elements): no barriers.
 *   softmax_registers  one work-group per row, the row held in private memory (ITEMS values per
 *                      work-item): one read and one write of each element, one exp per element.
 *   softmax_partial +  rows of any length, split over SPLIT work-groups per row. Stage one computes
 *   softmax_finish     each group's running (max, sum) in one pass (the online normaliser of
 *                      Milakov & Gimelshein, 2018) and stage two combines the SPLIT pairs and
 *                      normalises: two reads and one write of each element.
 *
 * Non-finite inputs need no special cases. The running max starts at -REAL_MAX, a finite number,
 * so exp(-inf - max) is exactly 0 and a -inf entry in a row with a finite entry gets exactly 0.
 * A row that is all -inf keeps max = -REAL_MAX and sum = 0, and 0 * (1/0) is NaN. A NaN or +inf
 * entry makes the sum NaN (exp(NaN - m), or exp(inf - inf)), which turns the whole row into NaN.
 * This needs IEEE semantics: never build with -cl-fast-relaxed-math or -cl-finite-math-only.
 *
 * Reductions are trees in local memory (OpenCL C 1.2: no sub-groups, no work_group_reduce) in a
 * fixed order, so the same input on the same device gives bit-identical output on every run.
 * Sizes and offsets are 64-bit: rows may be longer than 2^31 elements where the device allows it.
 *
 * Every tunable has a default, so this file compiles on its own:
 *   WG      work-group size, a power of two (softmax_registers, softmax_partial/finish)
 *   ITEMS   values held per work-item in softmax_registers (row length <= WG * ITEMS)
 *   UNROLL  elements per work-item per step of the online loop in softmax_partial
 *   USE_DOUBLE  compute in float64 (needs cl_khr_fp64); float32 otherwise
 */

#ifdef USE_DOUBLE
#pragma OPENCL EXTENSION cl_khr_fp64 : enable
typedef double real;
#define REAL_LOWEST (-DBL_MAX)
#else
typedef float real;
#define REAL_LOWEST (-FLT_MAX)
#endif

#ifndef WG
#define WG 128
#endif
#ifndef ITEMS
#define ITEMS 4
#endif
#ifndef UNROLL
#define UNROLL 8
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
__kernel void softmax_rows(__global const real *restrict x, __global real *restrict y,
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
void softmax_registers(__global const real *restrict x, __global real *restrict y,
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
void softmax_finish(__global const real *restrict x, __global real *restrict y,
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
