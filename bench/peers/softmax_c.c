/*
 * Hand-written CPU softmaxes to compare softmax-cl's PoCL kernels against, rows split over every
 * core with OpenMP (a row of 1 MiB or more, when there are fewer rows than threads, is split over
 * the threads instead, each part's max and sum combined between passes):
 *   c-openmp  what a C programmer writes and lets the compiler vectorise (-O3 -march=native
 *             -ffast-math: glibc's vector expf): max, exp and sum, scale;
 *   c-avx512  AVX-512 intrinsics, as the fastest CPU libraries do it (ONNX Runtime's MLAS per its
 *             description; written here from that description): max over four accumulators, exp
 *             as range reduction by ln 2 and a degree-6 polynomial, fused with the sum and the
 *             store; rows over 8192 floats go block by block (a block's max and exp from L1, the
 *             running sum rescaled when the max grows), so the input is read twice, not three times.
 * float32 in and out, float sums (as such code usually has): the harness reports the error against
 * a double softmax, it does not judge it.
 *
 * Usage: softmax_c ROWS COLS ROUNDS [c-openmp|c-avx512]   prints one line: shape, contender, median
 * ms, GB/s (8 bytes an element: one read, one write), max relative error over outputs >= 1e-30,
 * threads. Built and run by bench/peers.sh; c-avx512 needs a machine and compiler with AVX-512F.
 */
#include <immintrin.h>
#include <math.h>
#include <omp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void row_softmax(const float *restrict x, float *restrict y, long n) {
    float m = -INFINITY;
    for (long i = 0; i < n; i++) m = x[i] > m ? x[i] : m;
    float s = 0.0f;
    for (long i = 0; i < n; i++) { y[i] = expf(x[i] - m); s += y[i]; }
    float inv = 1.0f / s;
    for (long i = 0; i < n; i++) y[i] *= inv;
}

/* One long row over every thread: each pass over the thread's own part, combined between passes. */
static void long_row_softmax(const float *restrict x, float *restrict y, long n) {
    int t = omp_get_max_threads();
    float maxes[256], sums[256];
    #pragma omp parallel num_threads(t)
    {
        int id = omp_get_thread_num();
        long lo = n * id / t, hi = n * (id + 1) / t;
        float m = -INFINITY;
        for (long i = lo; i < hi; i++) m = x[i] > m ? x[i] : m;
        maxes[id] = m;
        #pragma omp barrier
        float g = -INFINITY;
        for (int k = 0; k < t; k++) g = maxes[k] > g ? maxes[k] : g;
        float s = 0.0f;
        for (long i = lo; i < hi; i++) { y[i] = expf(x[i] - g); s += y[i]; }
        sums[id] = s;
        #pragma omp barrier
        float total = 0.0f;
        for (int k = 0; k < t; k++) total += sums[k];
        float inv = 1.0f / total;
        for (long i = lo; i < hi; i++) y[i] *= inv;
    }
}

static void softmax(const float *x, float *y, long rows, long cols) {
    if (cols >= (1L << 18) && rows < omp_get_max_threads()) {
        for (long r = 0; r < rows; r++) long_row_softmax(x + r * cols, y + r * cols, cols);
        return;
    }
    #pragma omp parallel for schedule(static)
    for (long r = 0; r < rows; r++) row_softmax(x + r * cols, y + r * cols, cols);
}

#ifdef __AVX512F__
/* exp(x) for x <= 0: x = n ln2 + r, |r| <= ln2 / 2, exp(r) by Taylor to degree 6 (relative error
 * about 1.2e-7 before rounding), 2^n applied by scalef; below -87.3 the result flushes to zero. */
static inline __m512 exp_neg(__m512 x) {
    x = _mm512_max_ps(x, _mm512_set1_ps(-87.3365447f));
    __m512 n = _mm512_roundscale_ps(_mm512_mul_ps(x, _mm512_set1_ps(1.44269504f)),
                                    _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    __m512 r = _mm512_fnmadd_ps(n, _mm512_set1_ps(0.693145752f), x);
    r = _mm512_fnmadd_ps(n, _mm512_set1_ps(1.42860677e-6f), r);
    __m512 p = _mm512_set1_ps(1.0f / 720);
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 120));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 24));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f / 6));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(0.5f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    p = _mm512_fmadd_ps(p, r, _mm512_set1_ps(1.0f));
    return _mm512_scalef_ps(p, n);
}

static inline __mmask16 tail(long left) { return left >= 16 ? 0xFFFF : (__mmask16)((1u << left) - 1); }

static float max_avx(const float *x, long n) {
    __m512 m0 = _mm512_set1_ps(-INFINITY), m1 = m0, m2 = m0, m3 = m0;
    long i = 0;
    for (; i + 64 <= n; i += 64) {
        m0 = _mm512_max_ps(m0, _mm512_loadu_ps(x + i));
        m1 = _mm512_max_ps(m1, _mm512_loadu_ps(x + i + 16));
        m2 = _mm512_max_ps(m2, _mm512_loadu_ps(x + i + 32));
        m3 = _mm512_max_ps(m3, _mm512_loadu_ps(x + i + 48));
    }
    for (; i < n; i += 16) m0 = _mm512_mask_max_ps(m0, tail(n - i), m0, _mm512_maskz_loadu_ps(tail(n - i), x + i));
    return _mm512_reduce_max_ps(_mm512_max_ps(_mm512_max_ps(m0, m1), _mm512_max_ps(m2, m3)));
}

/* y = exp(x - m), returns the sum. */
static float exp_store_avx(const float *x, float *y, long n, float m) {
    __m512 vm = _mm512_set1_ps(m), s0 = _mm512_setzero_ps(), s1 = s0;
    long i = 0;
    for (; i + 32 <= n; i += 32) {
        __m512 e0 = exp_neg(_mm512_sub_ps(_mm512_loadu_ps(x + i), vm));
        __m512 e1 = exp_neg(_mm512_sub_ps(_mm512_loadu_ps(x + i + 16), vm));
        _mm512_storeu_ps(y + i, e0);
        _mm512_storeu_ps(y + i + 16, e1);
        s0 = _mm512_add_ps(s0, e0);
        s1 = _mm512_add_ps(s1, e1);
    }
    for (; i < n; i += 16) {
        __mmask16 k = tail(n - i);
        __m512 e = exp_neg(_mm512_sub_ps(_mm512_maskz_loadu_ps(k, x + i), vm));
        _mm512_mask_storeu_ps(y + i, k, e);
        s0 = _mm512_mask_add_ps(s0, k, s0, e);
    }
    return _mm512_reduce_add_ps(_mm512_add_ps(s0, s1));
}

static void scale_avx(float *y, long n, float f) {
    __m512 vf = _mm512_set1_ps(f);
    long i = 0;
    for (; i + 16 <= n; i += 16) _mm512_storeu_ps(y + i, _mm512_mul_ps(_mm512_loadu_ps(y + i), vf));
    if (i < n) _mm512_mask_storeu_ps(y + i, tail(n - i), _mm512_mul_ps(_mm512_maskz_loadu_ps(tail(n - i), y + i), vf));
}

enum { BLOCK = 4096 };

/* Block by block: each block's exp is taken against the running max of its time (kept in bmax),
 * the running sum rescaled when the max grows; the last pass scales each block by
 * exp(its max - the row's max) / sum, so the input is read twice and the output written twice. */
static void long_row_avx(const float *restrict x, float *restrict y, long n, float *bmax) {
    long blocks = (n + BLOCK - 1) / BLOCK;
    float m = -INFINITY, s = 0.0f;
    for (long b = 0; b < blocks; b++) {
        long len = n - b * BLOCK < BLOCK ? n - b * BLOCK : BLOCK;
        float bm = max_avx(x + b * BLOCK, len);
        if (bm > m) { s *= expf(m - bm); m = bm; }
        bmax[b] = m;
        s += exp_store_avx(x + b * BLOCK, y + b * BLOCK, len, m);
    }
    float inv = 1.0f / s;
    for (long b = 0; b < blocks; b++) {
        long len = n - b * BLOCK < BLOCK ? n - b * BLOCK : BLOCK;
        scale_avx(y + b * BLOCK, len, expf(bmax[b] - m) * inv);
    }
}

static void row_avx(const float *restrict x, float *restrict y, long n, float *bmax) {
    if (n > 2 * BLOCK) { long_row_avx(x, y, n, bmax); return; }
    float m = max_avx(x, n);
    scale_avx(y, n, 1.0f / exp_store_avx(x, y, n, m));
}

static void softmax_avx(const float *x, float *y, long rows, long cols) {
    int t = omp_get_max_threads();
    long blocks = (cols + BLOCK - 1) / BLOCK;
    if (cols >= (1L << 18) && rows < t) {
        /* each thread's part as a long row of its own, then every part rescaled to the row's max and sum */
        for (long r = 0; r < rows; r++) {
            const float *xr = x + r * cols; float *yr = y + r * cols;
            float maxes[256], sums[256];
            #pragma omp parallel num_threads(t)
            {
                int id = omp_get_thread_num();
                long lo = cols * id / t, hi = cols * (id + 1) / t;
                float *bmax = malloc(sizeof(float) * ((hi - lo) / BLOCK + 2));
                long nb = (hi - lo + BLOCK - 1) / BLOCK;
                float m = -INFINITY, s = 0.0f;
                for (long b = 0; b < nb; b++) {
                    long off = lo + b * BLOCK, len = hi - off < BLOCK ? hi - off : BLOCK;
                    float bm = max_avx(xr + off, len);
                    if (bm > m) { s *= expf(m - bm); m = bm; }
                    bmax[b] = m;
                    s += exp_store_avx(xr + off, yr + off, len, m);
                }
                maxes[id] = m; sums[id] = s;
                #pragma omp barrier
                float g = -INFINITY, total = 0.0f;
                for (int k = 0; k < t; k++) g = maxes[k] > g ? maxes[k] : g;
                for (int k = 0; k < t; k++) total += sums[k] * expf(maxes[k] - g);
                float inv = 1.0f / total;
                for (long b = 0; b < nb; b++) {
                    long off = lo + b * BLOCK, len = hi - off < BLOCK ? hi - off : BLOCK;
                    scale_avx(yr + off, len, expf(bmax[b] - g) * inv);
                }
                free(bmax);
            }
        }
        return;
    }
    #pragma omp parallel
    {
        float *bmax = malloc(sizeof(float) * (blocks + 1));
        #pragma omp for schedule(static)
        for (long r = 0; r < rows; r++) row_avx(x + r * cols, y + r * cols, cols, bmax);
        free(bmax);
    }
}
#endif

static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int cmp(const void *a, const void *b) {
    double d = *(const double *)a - *(const double *)b;
    return (d > 0) - (d < 0);
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) { fprintf(stderr, "usage: %s ROWS COLS ROUNDS [c-openmp|c-avx512]\n", argv[0]); return 2; }
    const char *impl = argc == 5 ? argv[4] : "c-openmp";
    void (*run)(const float *, float *, long, long) = softmax;
#ifdef __AVX512F__
    if (strcmp(impl, "c-avx512") == 0) run = softmax_avx;
#endif
    if (run == softmax && strcmp(impl, "c-openmp") != 0) { fprintf(stderr, "unknown or unavailable: %s\n", impl); return 2; }
    long rows = atol(argv[1]), cols = atol(argv[2]);
    int rounds = atoi(argv[3]);
    if (rows < 1 || cols < 1 || rounds < 1) { fprintf(stderr, "bad arguments\n"); return 2; }
    long n = rows * cols;
    float *x = aligned_alloc(64, ((n * 4 + 63) / 64) * 64), *y = aligned_alloc(64, ((n * 4 + 63) / 64) * 64);
    if (!x || !y) { fprintf(stderr, "out of memory\n"); return 1; }
    uint64_t s = 42;
    for (long i = 0; i < n; i++) { /* uniform in [-8, 8), as the project's bench inputs */
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        x[i] = (float)((s >> 40) * (16.0 / (1 << 24)) - 8.0);
    }
    memset(y, 0, n * 4);
    double *t = malloc(sizeof(double) * rounds);
    run(x, y, rows, cols); /* warm-up: page faults, thread start */
    for (int k = 0; k < rounds; k++) { double t0 = now_ms(); run(x, y, rows, cols); t[k] = now_ms() - t0; }
    qsort(t, rounds, sizeof(double), cmp);
    double med = t[rounds / 2];
    double worst = 0;
    long step = rows > 64 ? rows / 64 : 1;
    for (long r = 0; r < rows; r += step) { /* error on up to 64 rows against double */
        const float *xr = x + r * cols; const float *yr = y + r * cols;
        double m = -INFINITY, sum = 0;
        for (long i = 0; i < cols; i++) m = xr[i] > m ? xr[i] : m;
        for (long i = 0; i < cols; i++) sum += exp((double)xr[i] - m);
        for (long i = 0; i < cols; i++) {
            double ref = exp((double)xr[i] - m) / sum;
            if (ref >= 1e-30) { double e = fabs(yr[i] - ref) / ref; worst = e > worst ? e : worst; }
        }
    }
    printf("%ldx%ld %s %.3f ms %.2f GB/s max_rel_err %.2e threads %d\n", rows, cols, impl, med,
           8.0 * n / med / 1e6, worst, omp_get_max_threads());
    return 0;
}
