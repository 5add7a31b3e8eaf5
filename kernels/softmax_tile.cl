/*
 * softmax_tile.cl - variant TILE (CPUs, short rows): VEC rows per work-item, held as COLS contiguous
 * vectors and shifted by the tile's max, so that exp runs on whole vectors however short the rows are.
 *
 * Softmax is unchanged by any shift of a row, so the fast path subtracts one max for the whole tile and
 * needs no per-row work but the sums and the scale. It is exact to the tolerance as long as every row's
 * sum of exp(x - tile max) stays large: then every output above the relative floor comes from a normal,
 * full-precision exponential. A tile where any row sums below TILE_MIN_SUM (a row far below the tile's
 * max), or is NaN (NaN, +inf, or all -inf), is recomputed row by row with each row's own max. The
 * tile's rows are fixed by the row index (rows VEC*k .. VEC*k+VEC-1 of a call), so callers keep calls
 * aligned to VEC rows (Plan.rowGroup) to keep results independent of how a batch is split.
 *
 *   VEC    rows per tile (softmax_storage.clh)
 *   COLS   the row length, compiled in (1 to 64; default 8); the `cols` argument must equal it
 */
#include "softmax_cpu.clh"

#ifndef COLS
#define COLS 8
#endif

#if defined(USE_DOUBLE) && !defined(STORAGE_HALF) && !defined(STORAGE_BF16)
#define TILE_MIN_SUM 0x1p-50
#else
#define TILE_MIN_SUM 0x1p-24f
#endif

__kernel void softmax_tile(__global const store_t *x, __global store_t *y, const ulong rows, const ulong cols,
                           __global const uchar *mask, const ulong mask_stride, const real scale) {
    const ulong r0 = get_global_id(0) * VEC;
    if (r0 >= rows) {
        return;
    }
    __global const store_t *xt = x + r0 * COLS;
    __global store_t *yt = y + r0 * COLS;
    const uint nr = (uint)min((ulong)VEC, rows - r0);
    if (nr < VEC) { /* the last, partial tile */
        for (uint r = 0; r < nr; r++) {
            scalar_row(xt + r * COLS, yt + r * COLS, MASK_ROW(r0 + r), COLS, 1, ONE_BLOCK, scale);
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
        mv = max_keep(mv, v[i]);
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
        v[i] = softmax_expv(v[i] - tile_max);
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
            scalar_row(xt + r * COLS, yt + r * COLS, MASK_ROW(r0 + r), COLS, 1, ONE_BLOCK, scale);
        }
        return;
    }
    for (int r = 0; r < VEC; r++) {
        for (int c = 0; c < COLS; c++) {
            e[r * COLS + c] = RESULT(tp[r * COLS + c], tile_max, e[r * COLS + c], inv[r], lg[r]);
        }
    }
    for (int i = 0; i < COLS; i++) {
        STV_WHOLE(v[i], i, yt);
    }
}
