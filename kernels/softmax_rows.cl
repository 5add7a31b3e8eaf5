/*
 * softmax_rows.cl - variant ROWS (GPUs, short rows): a work-group of WG work-items takes WG
 * consecutive rows, one contiguous block of WG * COLS elements. The group copies the block into local
 * memory with adjacent work-items on adjacent elements (coalesced whatever the row length), each
 * work-item runs the scalar three-pass softmax of one row there, and the group writes the block back
 * the same way: DRAM sees one read and one write of each element. Rows in local memory are LS =
 * COLS | 1 values apart, an odd stride, so the work-items of a row pass touch distinct banks. The
 * arithmetic of a row is that of scalar_row (softmax_common.clh) with blocks of 32 terms.
 *
 *   WG    work-group size, also rows per group (any size; the host fits WG * LS values in local memory)
 *   COLS  the row length, compiled in (default 8); the `cols` argument must equal it
 */
#include "softmax_common.clh"

#ifndef WG
#define WG 64
#endif
#ifndef COLS
#define COLS 8
#endif
#define LS (COLS | 1)

__kernel __attribute__((reqd_work_group_size(WG, 1, 1)))
void softmax_rows(__global const store_t *x, __global store_t *y, const ulong rows, const ulong cols,
                  __global const uchar *mask, const ulong mask_stride, const real scale) {
    __local real tile[WG * LS];
    const uint lid = get_local_id(0);
    const ulong r0 = get_group_id(0) * (ulong)WG;
    const uint n = (uint)min((ulong)WG, rows - r0); /* rows of this group: fewer in the last one */
    const uint count = n * COLS;
    __global const store_t *xb = x + r0 * COLS;
    __global store_t *yb = y + r0 * COLS;

    for (uint i = lid; i < count; i += WG) {
        const uint rr = i / COLS;
        const uint c = i - rr * COLS;
        tile[rr * LS + c] = XIN1(xb + rr * COLS, MASK_ROW(r0 + rr), c);
    }
    /* Every read of the block is done before any write: x and y may be the same buffer. */
    barrier(CLK_LOCAL_MEM_FENCE);

    if (lid < n) {
        __local real *t = tile + lid * LS;
        real m = REAL_LOWEST;
        for (uint c = 0; c < COLS; c++) {
            m = fmax(m, t[c]);
        }
        real s = 0;
        real bs = 0;
        for (uint c = 0; c < COLS; c++) {
            const real e = exp(t[c] - m);
#ifndef LOG_SOFTMAX
            t[c] = e; /* softmax needs only e from here on; log-softmax keeps the input */
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
        for (uint c = 0; c < COLS; c++) {
            t[c] = RESULT(t[c], m, t[c], inv, lg);
        }
    }
    barrier(CLK_LOCAL_MEM_FENCE);

    for (uint i = lid; i < count; i += WG) {
        const uint rr = i / COLS;
        ST1(yb, i, tile[rr * LS + (i - rr * COLS)]);
    }
}
