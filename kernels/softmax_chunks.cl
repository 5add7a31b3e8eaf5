/*
 * softmax_chunks.cl - variant CHUNKS (CPUs, rows too long for a core's cache): the two stages of
 * softmax_split.cl with one work-item per chunk of a row and VEC-wide vectors. The partial kernel keeps
 * a running (max, sum) over blocks of vectors, loading each element once for both, into `part`, its
 * exps by the shorter exp for sums (softmax_expv_sum, softmax_exp.clh); the finish kernel folds a
 * row's pairs and writes its chunk, computing exp again from x. DRAM sees two reads and one write,
 * fewer where the finish finds x still in its core's cache (THREAD AFFINITY below). Both kernels take
 * rows [row0, row0 + rows) of the buffers, so the host can bound `part` by windows of rows: 2 * split
 * values per row, then per work-group of the launch one ulong and one uint (AFFINITY_BYTES).
 *
 *   VEC   vector width (softmax_storage.clh)
 */
#include "softmax_cpu.clh"

/* A row's (max, sum) from the maxima pm and sums ps of its n chunks: the max first, then
 * sum_j s_j * exp(m_j - max), one exp per chunk where merging pair by pair (merge_pair) takes two.
 * Every work-item of the row folds all of the row's chunks in the same order, so all arrive at the
 * same bits; that is split^2 exps per row (65536 at 1x16777216, split 256), taken VEC at a time: one
 * at a time they cost 4% of the kernels' time at 1x16777216 and over a third at split 256 on a row
 * that stays in cache (BENCHMARKS.md, "The fold of the chunks' pairs"). A chunk with no finite entry
 * has m_j = REAL_LOWEST and s_j = 0 and adds 0; a chunk with m_j = +inf has s_j = NaN and makes the
 * sum NaN. */
inline void fold_chunk_pairs(__global const real *pm, __global const real *ps, uint n, real *m, real *s) {
    const uint nv = n / VEC;
    realv mv = (realv)(REAL_LOWEST);
    for (uint j = 0; j < nv; j++) {
        mv = fmax(mv, CAT(vload, VEC)(j, pm));
    }
    real mm = HMAX(mv);
    for (uint j = nv * VEC; j < n; j++) {
        mm = fmax(mm, pm[j]);
    }
    realv sv = 0;
    for (uint j = 0; j < nv; j++) {
        sv += CAT(vload, VEC)(j, ps) * softmax_expv(CAT(vload, VEC)(j, pm) - mm);
    }
    real ss = HSUM(sv);
    for (uint j = nv * VEC; j < n; j++) {
        ss += ps[j] * softmax_exp(pm[j] - mm);
    }
    *m = mm;
    *s = ss;
}

/* THREAD AFFINITY. A CPU runtime hands work-groups to its threads in no fixed order, so the finish
 * group that reads a chunk again ran, as often as not, on the other core from the partial group that
 * read it first, and on this project's machine each core's last-level cache keeps what that core read
 * (a 16 MiB buffer read again: 0.31 to 0.41 ms on the core that read it, 0.72 to 0.98 on the other, as
 * from DRAM). So the partial kernel records, per work-group, which thread ran it: the address of a
 * private variable, which lies on that thread's own stack. In launches of up to AFFINITY_GROUPS
 * groups (few rows, whose chunks are many) the finish kernel's groups do not take the units (a
 * partial group's chunks) by their own index: each takes the unclaimed unit of highest index that its
 * own thread read, the most recently read first, and when none is left the unclaimed unit of highest
 * index. As many groups as units, each claiming one unit by an atomic exchange: every unit is written
 * exactly once, and its outputs do not depend on which group writes it. Where the addresses tell
 * threads apart badly (another runtime, a GPU), only the cache reuse is lost. BENCHMARKS.md, "Each
 * core finishes what it read". */
#define AFFINITY_BYTES (sizeof(ulong) + sizeof(uint))
/* Launches of more groups (many rows) record no owners and take units by their own index: a search
 * for a unit is a scan of the units, which for n groups would cost n^2 / 2 atomic exchanges in all. */
#define AFFINITY_GROUPS 64
#define SAME_THREAD_BYTES (1ul << 18) /* threads' stacks lie megabytes apart; one kernel's frame is KiB */

/* A launch's units: their owners (thread tags) after the pairs in part, then their claims. */
inline __global ulong *unit_owners(__global real *part, ulong rows, uint split) {
    return (__global ulong *)(part + 2 * rows * split);
}

inline __global uint *unit_claims(__global real *part, ulong rows, uint split) {
    return (__global uint *)(unit_owners(part, rows, split) + get_num_groups(0));
}

/* Work-item g of row r covers columns [g * chunk, min((g + 1) * chunk, cols)); with gid its index within
 * this launch, its max goes to part[gid] and its sum to part[rows * split + gid], maxima and sums
 * apart so that the finish kernel folds them a vector at a time. */
__kernel void softmax_chunks_partial(__global const store_t *restrict x, __global real *restrict part,
                                     const ulong row0, const ulong rows, const ulong cols, const ulong chunk,
                                     const uint split, __global const uchar *mask, const ulong mask_stride,
                                     const real scale) {
    const ulong gid = get_global_id(0);
    if (get_local_id(0) == 0 && get_num_groups(0) <= AFFINITY_GROUPS) {
        volatile uchar here = 0; /* its address is this thread's tag (THREAD AFFINITY) */
        unit_owners(part, rows, split)[get_group_id(0)] = (ulong)&here;
        unit_claims(part, rows, split)[get_group_id(0)] = 0;
    }
    if (gid >= rows * split) {
        return;
    }
    const ulong lr = gid / split;
    const ulong r = row0 + lr;
    const ulong g = gid - lr * split; /* not gid % split: see REMAINDER in softmax_common.clh */
    const ulong begin = min(g * chunk, cols);
    const ulong n = min(begin + chunk, cols) - begin;
    __global const store_t *xb = x + r * cols + begin;
    __global const uchar *mb = MASK_AT(MASK_ROW(r), begin);
    const ulong nv = n / VEC;
    const uint tail = (uint)(n - nv * VEC);

    /* One pass: a block's exps against the running max of what came before it (REFERENCE MAX in
     * softmax_cpu.clh), its max beside them; the sum moves to the block's max when that is higher. */
    const realv tv = load_part(xb + nv * VEC, MASK_AT(mb, nv * VEC), tail, scale);
    const realv tm = max_keep((realv)(REAL_LOWEST), tv);
    real m = HMAX(nv > 0 ? max_keep(tm, XINV(0, xb, mb)) : tm);
    realv s = softmax_expv_sum(tv - m);
    for (ulong j = 0; j < nv; j += SUM_BLOCK) {
        const ulong end = min(nv, j + SUM_BLOCK);
        realv bm = (realv)(REAL_LOWEST);
        realv block = 0;
        for (ulong k = j; k < end; k++) {
            const realv v = XINV(k, xb, mb);
            bm = max_keep(bm, v);
            block += softmax_expv_sum(v - m);
        }
        const real b = HMAX(bm);
        if (b > m + HEADROOM) {
            s *= softmax_exp(m - b);
            m = b;
            block = 0;
            for (ulong k = j; k < end; k++) {
                block += softmax_expv_sum(XINV(k, xb, mb) - m);
            }
        }
        s += block;
        if (b > m) {
            s *= softmax_exp(m - b);
            m = b;
        }
    }
    part[gid] = m;
    part[rows * split + gid] = HSUM(s);
}

/* A unit for this group to finish (THREAD AFFINITY), claimed by its first work-item for all; `me`
 * is the address of a variable of the calling kernel's, on this thread's stack. */
inline uint claim_unit(__global real *part, ulong rows, uint split, __local uint *pick, const ulong me) {
    if (get_local_id(0) == 0) {
        const uint n = get_num_groups(0);
        __global const ulong *owners = unit_owners(part, rows, split);
        __global uint *claims = unit_claims(part, rows, split);
        uint u = n;
        for (uint k = n; k-- > 0 && u == n;) {
            const ulong d = owners[k] > me ? owners[k] - me : me - owners[k];
            if (d < SAME_THREAD_BYTES && atomic_xchg(&claims[k], 1u) == 0u) {
                u = k;
            }
        }
        for (uint k = n; k-- > 0 && u == n;) {
            if (atomic_xchg(&claims[k], 1u) == 0u) {
                u = k;
            }
        }
        *pick = u;
    }
    barrier(CLK_LOCAL_MEM_FENCE);
    return *pick;
}

__kernel void softmax_chunks_finish(__global const store_t *x, __global store_t *y, __global real *restrict part,
                                    const ulong row0, const ulong rows, const ulong cols, const ulong chunk,
                                    const uint split, __global const uchar *mask, const ulong mask_stride,
                                    const real scale) {
    __local uint pick;
    volatile uchar here = 0;
    const ulong gid = get_num_groups(0) > AFFINITY_GROUPS
                          ? get_global_id(0)
                          : (ulong)claim_unit(part, rows, split, &pick, (ulong)&here) * get_local_size(0) +
                                get_local_id(0);
    if (gid >= rows * split) {
        return;
    }
    const ulong lr = gid / split;
    const ulong r = row0 + lr;
    const ulong g = gid - lr * split;
    real m;
    real s;
    fold_chunk_pairs(part + lr * split, part + (rows + lr) * split, split, &m, &s);
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
        STV_WHOLE(RESULT(t, m, softmax_expv(t - m), inv, lg), j, yb);
    }
    const realv tv = load_part(xb + nv * VEC, MASK_AT(mb, nv * VEC), tail, scale);
    store_part(yb + nv * VEC, RESULT(tv, m, softmax_expv(tv - m), inv, lg), tail);
}
