/*
 * softmax_split.cl - variant SPLIT (GPUs, long rows, few rows): `split` work-groups per row each
 * compute a running (max, sum) over their chunk of the row (the online normaliser of Milakov and
 * Gimelshein, 2018) into `part`; in the finish kernel each group folds its row's pairs once and
 * normalises its chunk. DRAM sees two reads and one write, plus 2 * split * (split + 1) values of
 * pairs per row. Both kernels take rows [row0, row0 + rows) of the buffers, so the host can
 * bound `part` (2 * split values per row) by running a batch in windows of rows.
 *
 *   WG      work-group size, a power of two (softmax_workgroup.clh)
 *   UNROLL  elements per work-item per step of the online loop (default 8)
 */
#include "softmax_workgroup.clh"

#ifndef UNROLL
#define UNROLL 8
#endif

/* Group g of row r covers columns [g * chunk, min((g + 1) * chunk, cols)); its pair goes to part at
 * the group's index within this launch. */
__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_split_partial(__global const store_t *restrict x, __global real *restrict part, const ulong row0,
                           const ulong rows, const ulong cols, const ulong chunk, const uint split,
                           __global const uchar *mask, const ulong mask_stride, const real scale) {
    __local real scratch_m[WG];
    __local real scratch_s[WG];
    const ulong gid = get_group_id(0);
    const ulong lr = gid / split;
    const ulong r = row0 + lr;
    const ulong g = gid - lr * split; /* not gid % split: see REMAINDER in softmax_common.clh */
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
    group_merge(m, s, scratch_m, scratch_s);
    if (lid == 0) {
        part[2 * gid] = scratch_m[0];
        part[2 * gid + 1] = scratch_s[0];
    }
}

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_split_finish(__global const store_t *x, __global store_t *y, __global const real *restrict part,
                          const ulong row0, const ulong rows, const ulong cols, const ulong chunk, const uint split,
                          __global const uchar *mask, const ulong mask_stride, const real scale) {
    __local real scratch_m[WG];
    __local real scratch_s[WG];
    const ulong gid = get_group_id(0);
    const ulong lr = gid / split;
    const ulong r = row0 + lr;
    const ulong g = gid - lr * split;
    const uint lid = get_local_id(0);

    /* The group reads the row's pairs once between its work-items (pair j goes to work-item j % WG,
     * in index order) and merges them in the tree of group_merge: the same order in every group of
     * the row, so all chunks of a row share one (max, sum) to the bit. */
    __global const real *pr = part + 2 * lr * split;
    real m = REAL_LOWEST;
    real s = 0;
    for (uint j = lid; j < split; j += WG) {
        merge_pair(&m, &s, pr[2 * j], pr[2 * j + 1]);
    }
    group_merge(m, s, scratch_m, scratch_s);
    m = scratch_m[0];
    s = scratch_s[0];
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
