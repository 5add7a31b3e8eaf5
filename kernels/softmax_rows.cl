/*
 * softmax_rows.cl - variant ROWS (GPUs, short rows): one work-item per row, no barriers, the scalar
 * three-pass row of softmax_common.clh. Adjacent work-items read adjacent rows, which is all the
 * coalescing a row of a few elements allows; longer rows belong to softmax_registers.cl.
 */
#include "softmax_common.clh"

__kernel void softmax_rows(__global const store_t *x, __global store_t *y, const ulong rows, const ulong cols,
                           __global const uchar *mask, const ulong mask_stride, const real scale) {
    const ulong r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    /* Blocks of 32 terms keep every float chain of the sum short. */
    scalar_row(x + r * cols, y + r * cols, MASK_ROW(r), cols, 1, 31, scale);
}
