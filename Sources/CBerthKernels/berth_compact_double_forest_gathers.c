// LightGBM's compact double-precision trees walked with AVX-512 or AVX2 gathers: the double twins of
// berth_compact_forest_gathers.c's walks (which say why), a block's rows a row a lane for blocks of 48 rows or more
// (fewer leave too many of its chains empty to beat the eight-at-once walk), and one row a tree a lane.
//
// A step gathers the lanes' nodes (the threshold, then the 64 bits holding feature, left slot and flags) and the
// rows' values of those features, and decides as berth_compact_double_forest.c's `step` does, bit for bit: NaN the
// way `BERTH_COMPACT_NAN_LEFT` says, a zero where zero is missing the way `BERTH_COMPACT_ZERO_LEFT` says, any other
// value left when x <= threshold. Eight chains of 8 rows (4 on AVX2) are in flight, so one chain's gathers issue
// while others wait; each row adds its trees' leaves in tree order.
#include "berth_kernels.h"

#include <stddef.h>

_Static_assert(sizeof(berth_compact_double_node) == 16 && offsetof(berth_compact_double_node, feature) == 8
               && offsetof(berth_compact_double_node, left) == 10 && offsetof(berth_compact_double_node, flags) == 12,
               "the gathers read a node's threshold, then feature, left slot and flags as one 64-bit element");

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define CHAINS 8
#define ROWS_AT_ONCE (8 * CHAINS)

// The decision of the scalar `step` on 8 lanes, from their nodes (the threshold, and the 64 bits holding feature, left
// slot and flags) and the value of each node's feature in the lane's row: the slots the lanes step to.
// `missingZeros` is a constant at each call site, as in the scalar walk.
__attribute__((target("avx512f")))
static inline __m512i next_slots8(__m512i meta, __m512d threshold, __m512d x, const int missingZeros) {
    __mmask8 left = _mm512_cmp_pd_mask(x, threshold, _CMP_LE_OQ);
    left |= _mm512_cmp_pd_mask(x, x, _CMP_UNORD_Q) & _mm512_test_epi64_mask(meta, _mm512_set1_epi64((long long)BERTH_COMPACT_NAN_LEFT << 32));
    if (missingZeros) {
        const __mmask8 missingZero = _mm512_cmp_pd_mask(x, _mm512_setzero_pd(), _CMP_EQ_OQ)
            & _mm512_test_epi64_mask(meta, _mm512_set1_epi64((long long)BERTH_COMPACT_ZERO_IS_MISSING << 32));
        const __mmask8 zeroLeft = _mm512_test_epi64_mask(meta, _mm512_set1_epi64((long long)BERTH_COMPACT_ZERO_LEFT << 32));
        left = (__mmask8)((left & ~missingZero) | (missingZero & zeroLeft));
    }
    const __m512i leftSlot = _mm512_and_si512(_mm512_srli_epi64(meta, 16), _mm512_set1_epi64(0xFFFF));
    const __m512i right = _mm512_and_si512(_mm512_add_epi64(leftSlot, _mm512_set1_epi64(1)), _mm512_set1_epi64(0xFFFF));
    return _mm512_mask_blend_epi64(left, right, leftSlot);
}

// 8 rows one step down `tree`.
__attribute__((target("avx512f")))
static inline __m512i step8(const berth_compact_double_node *tree, const double *rows, __m512i rowOffsets, __m512i slots,
                            __mmask8 lanes, const int missingZeros) {
    const __m512i index = _mm512_slli_epi64(slots, 1);
    const __m512d threshold = _mm512_i64gather_pd(index, (const void *)tree, 8);
    const __m512i meta = _mm512_i64gather_epi64(index, (const char *)tree + 8, 8);
    const __m512i feature = _mm512_and_si512(meta, _mm512_set1_epi64(0xFFFF));
    const __m512d x = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes, _mm512_add_epi64(rowOffsets, feature), rows, 8);
    return next_slots8(meta, threshold, x, missingZeros);
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void sum_rows(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *rows, long stride,
              long rowCount, double *margins, const int missingZeros) {
    const long groups = forest->groupCount;
    const __m512i rowOffsets = _mm512_mul_epu32(_mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7), _mm512_set1_epi64(stride));
    for (long tree = firstTree; tree < endTree; tree++) {
        const berth_compact_double_node *nodes = forest->nodes + forest->treeStarts[tree];
        const double *leafValues = forest->leafValues + forest->treeStarts[tree];
        const long depth = forest->depths[tree];
        for (long first = 0; first < rowCount; first += ROWS_AT_ONCE) {
            __mmask8 lanes[CHAINS];
            __m512i slot[CHAINS];
            long active[CHAINS];
            for (int chain = 0; chain < CHAINS; chain++) {
                const long rest = rowCount - first - 8 * chain;
                active[chain] = rest >= 8 ? 8 : (rest > 0 ? rest : 0);
                lanes[chain] = (__mmask8)((1u << active[chain]) - 1u);
                slot[chain] = _mm512_setzero_si512();
            }
            const long chains = (rowCount - first + 7) / 8;
            for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
                for (int chain = 0; chain < CHAINS; chain++) {
                    if (chain < chains) {
                        slot[chain] = step8(nodes, rows + (first + 8 * chain) * stride, rowOffsets, slot[chain], lanes[chain], missingZeros);
                    }
                }
            }
            for (int chain = 0; chain < CHAINS && chain < chains; chain++) {
                const __m512d leaf = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes[chain], slot[chain], leafValues, 8);
                double values[8];
                _mm512_storeu_pd(values, leaf);
                double *margin = margins + (first + 8 * chain) * groups + tree % groups;
                for (long lane = 0; lane < active[chain]; lane++) margin[lane * groups] += values[lane];
            }
        }
    }
}

__attribute__((target("avx512f")))
static void sum_rows_avx512(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *rows,
                            long stride, long rowCount, double *margins) {
    if (forest->hasMissingZeros) sum_rows(forest, firstTree, endTree, rows, stride, rowCount, margins, 1);
    else sum_rows(forest, firstTree, endTree, rows, stride, rowCount, margins, 0);
}

// One row, 8 trees one step down: lane t walks the tree whose first node is `bases[t]` (in nodes), at slot `slots[t]`.
__attribute__((target("avx512f")))
static inline __m512i tree_step8(const berth_compact_double_node *nodes, const double *row, __m512i bases, __m512i slots,
                                 __mmask8 lanes, const int missingZeros) {
    const __m512i index = _mm512_slli_epi64(_mm512_add_epi64(bases, slots), 1);
    const __m512d threshold = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes, index, (const void *)nodes, 8);
    const __m512i meta = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), lanes, index, (const char *)nodes + 8, 8);
    const __m512i feature = _mm512_and_si512(meta, _mm512_set1_epi64(0xFFFF));
    const __m512d x = _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes, feature, row, 8);
    return next_slots8(meta, threshold, x, missingZeros);
}

__attribute__((target("avx512f"))) static inline __attribute__((always_inline))
void sum_row(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *row, double *margins,
             const int missingZeros) {
    const long groups = forest->groupCount;
    for (long first = firstTree; first < endTree; first += ROWS_AT_ONCE) {
        const long count = endTree - first < ROWS_AT_ONCE ? endTree - first : ROWS_AT_ONCE;
        const long chains = (count + 7) / 8;
        long depth = 0;
        for (long tree = first; tree < first + count; tree++) {
            if (forest->depths[tree] > depth) depth = forest->depths[tree];
        }
        __mmask8 lanes[CHAINS];
        __m512i bases[CHAINS], slot[CHAINS];
        for (int chain = 0; chain < CHAINS; chain++) {
            const long rest = count - 8 * chain;
            lanes[chain] = (__mmask8)((1u << (rest >= 8 ? 8 : (rest > 0 ? rest : 0))) - 1u);
            bases[chain] = _mm512_cvtepi32_epi64(_mm512_castsi512_si256(
                _mm512_maskz_loadu_epi32((__mmask16)lanes[chain], forest->treeStarts + first + 8 * chain)));
            slot[chain] = _mm512_setzero_si512();
        }
        for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
            for (int chain = 0; chain < CHAINS; chain++) {
                if (chain < chains) slot[chain] = tree_step8(forest->nodes, row, bases[chain], slot[chain], lanes[chain], missingZeros);
            }
        }
        double leaves[ROWS_AT_ONCE];
        for (long chain = 0; chain < chains; chain++) {
            _mm512_storeu_pd(leaves + 8 * chain, _mm512_mask_i64gather_pd(_mm512_setzero_pd(), lanes[chain],
                                                                          _mm512_add_epi64(bases[chain], slot[chain]), forest->leafValues, 8));
        }
        // In tree order; one group's sum in a register.
        if (groups == 1) {
            double sum = margins[0];
            for (long tree = 0; tree < count; tree++) sum += leaves[tree];
            margins[0] = sum;
        } else {
            for (long tree = 0; tree < count; tree++) margins[(first + tree) % groups] += leaves[tree];
        }
    }
}

__attribute__((target("avx512f")))
static void sum_row_avx512(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *row,
                           double *margins) {
    if (forest->hasMissingZeros) sum_row(forest, firstTree, endTree, row, margins, 1);
    else sum_row(forest, firstTree, endTree, row, margins, 0);
}
// The AVX2 twins: four rows (or trees) a 256-bit vector, eight chains in flight, 32 rows or trees a round. Without
// mask registers a lane's mask is all ones in the lane (the sign bit is what a masked gather reads).
#define CHAINS_AVX2 8
#define ROWS_AT_ONCE_AVX2 (4 * CHAINS_AVX2)

// A lane mask of the first `active` of 4 lanes, as the sign bits AVX2's masked gathers read.
__attribute__((target("avx2")))
static inline __m256i first_lanes4(long active) {
    return _mm256_cmpgt_epi64(_mm256_set1_epi64x(active), _mm256_setr_epi64x(0, 1, 2, 3));
}

// Whether each lane's `meta` has `bit` (a flag shifted to its place in the 64 bits) set: all ones where it has.
__attribute__((target("avx2")))
static inline __m256i has_flag4(__m256i meta, long long bit) {
    const __m256i flag = _mm256_set1_epi64x(bit);
    return _mm256_cmpeq_epi64(_mm256_and_si256(meta, flag), flag);
}

// `next_slots8` on 4 lanes.
__attribute__((target("avx2")))
static inline __m256i next_slots4(__m256i meta, __m256d threshold, __m256d x, const int missingZeros) {
    __m256i left = _mm256_castpd_si256(_mm256_cmp_pd(x, threshold, _CMP_LE_OQ));
    left = _mm256_or_si256(left, _mm256_and_si256(_mm256_castpd_si256(_mm256_cmp_pd(x, x, _CMP_UNORD_Q)),
                                                  has_flag4(meta, (long long)BERTH_COMPACT_NAN_LEFT << 32)));
    if (missingZeros) {
        const __m256i missingZero = _mm256_and_si256(_mm256_castpd_si256(_mm256_cmp_pd(x, _mm256_setzero_pd(), _CMP_EQ_OQ)),
                                                     has_flag4(meta, (long long)BERTH_COMPACT_ZERO_IS_MISSING << 32));
        const __m256i zeroLeft = has_flag4(meta, (long long)BERTH_COMPACT_ZERO_LEFT << 32);
        left = _mm256_or_si256(_mm256_andnot_si256(missingZero, left), _mm256_and_si256(missingZero, zeroLeft));
    }
    const __m256i leftSlot = _mm256_and_si256(_mm256_srli_epi64(meta, 16), _mm256_set1_epi64x(0xFFFF));
    const __m256i right = _mm256_and_si256(_mm256_add_epi64(leftSlot, _mm256_set1_epi64x(1)), _mm256_set1_epi64x(0xFFFF));
    return _mm256_blendv_epi8(right, leftSlot, left);
}

// `step8` on 4 rows.
__attribute__((target("avx2")))
static inline __m256i step4(const berth_compact_double_node *tree, const double *rows, __m256i rowOffsets, __m256i slots,
                            __m256i lanes, const int missingZeros) {
    const __m256i index = _mm256_slli_epi64(slots, 1);
    const __m256d threshold = _mm256_i64gather_pd((const double *)tree, index, 8);
    const __m256i meta = _mm256_i64gather_epi64((const long long *)((const char *)tree + 8), index, 8);
    const __m256i feature = _mm256_and_si256(meta, _mm256_set1_epi64x(0xFFFF));
    const __m256d x = _mm256_mask_i64gather_pd(_mm256_setzero_pd(), rows, _mm256_add_epi64(rowOffsets, feature),
                                               _mm256_castsi256_pd(lanes), 8);
    return next_slots4(meta, threshold, x, missingZeros);
}

__attribute__((target("avx2"))) static inline __attribute__((always_inline))
void sum_rows4(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *rows, long stride,
               long rowCount, double *margins, const int missingZeros) {
    const long groups = forest->groupCount;
    const __m256i rowOffsets = _mm256_setr_epi64x(0, stride, 2 * stride, 3 * stride);
    for (long tree = firstTree; tree < endTree; tree++) {
        const berth_compact_double_node *nodes = forest->nodes + forest->treeStarts[tree];
        const double *leafValues = forest->leafValues + forest->treeStarts[tree];
        const long depth = forest->depths[tree];
        for (long first = 0; first < rowCount; first += ROWS_AT_ONCE_AVX2) {
            __m256i lanes[CHAINS_AVX2], slot[CHAINS_AVX2];
            long active[CHAINS_AVX2];
            for (int chain = 0; chain < CHAINS_AVX2; chain++) {
                const long rest = rowCount - first - 4 * chain;
                active[chain] = rest >= 4 ? 4 : (rest > 0 ? rest : 0);
                lanes[chain] = first_lanes4(active[chain]);
                slot[chain] = _mm256_setzero_si256();
            }
            const long chains = (rowCount - first + 3) / 4;
            for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
                for (int chain = 0; chain < CHAINS_AVX2; chain++) {
                    if (chain < chains) {
                        slot[chain] = step4(nodes, rows + (first + 4 * chain) * stride, rowOffsets, slot[chain], lanes[chain], missingZeros);
                    }
                }
            }
            for (int chain = 0; chain < CHAINS_AVX2 && chain < chains; chain++) {
                const __m256d leaf = _mm256_mask_i64gather_pd(_mm256_setzero_pd(), leafValues, slot[chain],
                                                              _mm256_castsi256_pd(lanes[chain]), 8);
                double values[4];
                _mm256_storeu_pd(values, leaf);
                double *margin = margins + (first + 4 * chain) * groups + tree % groups;
                for (long lane = 0; lane < active[chain]; lane++) margin[lane * groups] += values[lane];
            }
        }
    }
}

__attribute__((target("avx2")))
static void sum_rows_avx2(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *rows,
                          long stride, long rowCount, double *margins) {
    if (forest->hasMissingZeros) sum_rows4(forest, firstTree, endTree, rows, stride, rowCount, margins, 1);
    else sum_rows4(forest, firstTree, endTree, rows, stride, rowCount, margins, 0);
}

// `tree_step8` on 4 trees.
__attribute__((target("avx2")))
static inline __m256i tree_step4(const berth_compact_double_node *nodes, const double *row, __m256i bases, __m256i slots,
                                 __m256i lanes, const int missingZeros) {
    const __m256i index = _mm256_slli_epi64(_mm256_add_epi64(bases, slots), 1);
    const __m256d threshold = _mm256_mask_i64gather_pd(_mm256_setzero_pd(), (const double *)nodes, index, _mm256_castsi256_pd(lanes), 8);
    const __m256i meta = _mm256_mask_i64gather_epi64(_mm256_setzero_si256(), (const long long *)((const char *)nodes + 8), index, lanes, 8);
    const __m256i feature = _mm256_and_si256(meta, _mm256_set1_epi64x(0xFFFF));
    const __m256d x = _mm256_mask_i64gather_pd(_mm256_setzero_pd(), row, feature, _mm256_castsi256_pd(lanes), 8);
    return next_slots4(meta, threshold, x, missingZeros);
}

__attribute__((target("avx2"))) static inline __attribute__((always_inline))
void sum_row4(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *row, double *margins,
              const int missingZeros) {
    const long groups = forest->groupCount;
    for (long first = firstTree; first < endTree; first += ROWS_AT_ONCE_AVX2) {
        const long count = endTree - first < ROWS_AT_ONCE_AVX2 ? endTree - first : ROWS_AT_ONCE_AVX2;
        const long chains = (count + 3) / 4;
        long depth = 0;
        for (long tree = first; tree < first + count; tree++) {
            if (forest->depths[tree] > depth) depth = forest->depths[tree];
        }
        __m256i lanes[CHAINS_AVX2], bases[CHAINS_AVX2], slot[CHAINS_AVX2];
        for (int chain = 0; chain < CHAINS_AVX2; chain++) {
            const long rest = count - 4 * chain;
            lanes[chain] = first_lanes4(rest >= 4 ? 4 : (rest > 0 ? rest : 0));
            const __m128i startLanes = _mm_cmpgt_epi32(_mm_set1_epi32((int)(rest > 0 ? rest : 0)), _mm_setr_epi32(0, 1, 2, 3));
            bases[chain] = _mm256_cvtepi32_epi64(_mm_maskload_epi32(forest->treeStarts + first + 4 * chain, startLanes));
            slot[chain] = _mm256_setzero_si256();
        }
        for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
            for (int chain = 0; chain < CHAINS_AVX2; chain++) {
                if (chain < chains) slot[chain] = tree_step4(forest->nodes, row, bases[chain], slot[chain], lanes[chain], missingZeros);
            }
        }
        double leaves[ROWS_AT_ONCE_AVX2];
        for (long chain = 0; chain < chains; chain++) {
            _mm256_storeu_pd(leaves + 4 * chain, _mm256_mask_i64gather_pd(_mm256_setzero_pd(), forest->leafValues,
                                                                          _mm256_add_epi64(bases[chain], slot[chain]),
                                                                          _mm256_castsi256_pd(lanes[chain]), 8));
        }
        // In tree order; one group's sum in a register.
        if (groups == 1) {
            double sum = margins[0];
            for (long tree = 0; tree < count; tree++) sum += leaves[tree];
            margins[0] = sum;
        } else {
            for (long tree = 0; tree < count; tree++) margins[(first + tree) % groups] += leaves[tree];
        }
    }
}

__attribute__((target("avx2")))
static void sum_row_avx2(const berth_compact_double_forest *forest, long firstTree, long endTree, const double *row,
                         double *margins) {
    if (forest->hasMissingZeros) sum_row4(forest, firstTree, endTree, row, margins, 1);
    else sum_row4(forest, firstTree, endTree, row, margins, 0);
}

#endif

int berth_compact_double_sum_rows_using(int isa, const berth_compact_double_forest *forest, long firstTree, long endTree,
                                        const double *rows, long stride, long rowCount, double *margins) {
    if (stride < 0 || stride > (1L << 16)) return -1;
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (isa == 2 && __builtin_cpu_supports("avx512f")) {
        sum_rows_avx512(forest, firstTree, endTree, rows, stride, rowCount, margins);
        return 0;
    }
    if (isa == 1 && __builtin_cpu_supports("avx2")) {
        sum_rows_avx2(forest, firstTree, endTree, rows, stride, rowCount, margins);
        return 0;
    }
#endif
    (void)isa; (void)forest; (void)firstTree; (void)endTree; (void)rows; (void)rowCount; (void)margins;
    return -1;
}

int berth_compact_double_sum_row_using(int isa, const berth_compact_double_forest *forest, long firstTree, long endTree,
                                       const double *row, double *margins) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    if (isa == 2 && __builtin_cpu_supports("avx512f")) {
        sum_row_avx512(forest, firstTree, endTree, row, margins);
        return 0;
    }
    if (isa == 1 && __builtin_cpu_supports("avx2")) {
        sum_row_avx2(forest, firstTree, endTree, row, margins);
        return 0;
    }
#endif
    (void)isa; (void)forest; (void)firstTree; (void)endTree; (void)row; (void)margins;
    return -1;
}
