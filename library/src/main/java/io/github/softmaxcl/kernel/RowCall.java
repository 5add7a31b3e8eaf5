/*
 * The arguments of one last-axis call, as the row kernels receive them. A record so that a variant's
 * launch code reads them by name.
 */
package io.github.softmaxcl.kernel;

import io.github.softmaxcl.cl.ClBuffer;

/**
 * @param f the features
 * @param x input
 * @param y output, may be x
 * @param rows rows
 * @param cols row length
 * @param mask mask bytes, or null without a mask
 * @param maskStride bytes between mask rows (0 broadcasts one row)
 */
record RowCall(Features f, ClBuffer x, ClBuffer y, long rows, long cols, ClBuffer mask, long maskStride) {}
