/*
 * A deliberately wrong softmax for the tests: exp(x) / sum(exp(x)) without subtracting the row
 * maximum first. It is right for ordinary logits and wrong where real kernels go wrong: large
 * logits overflow exp to inf (inf / inf = NaN), and a +inf entry does not poison its row.
 * The verifier must catch it.
 */
__kernel void softmax_nomax(__global const float *x, __global float *y, const long rows, const long cols) {
    long r = get_global_id(0);
    if (r >= rows) {
        return;
    }
    __global const float *xr = x + r * cols;
    __global float *yr = y + r * cols;
    float sum = 0.0f;
    for (long c = 0; c < cols; c++) {
        sum += exp(xr[c]);
    }
    for (long c = 0; c < cols; c++) {
        yr[c] = exp(xr[c]) / sum;
    }
}
