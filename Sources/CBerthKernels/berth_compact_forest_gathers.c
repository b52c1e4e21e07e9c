// The compact forest walked with vector gathers: a block's rows down it a row a lane (the compact-rows walk of
// berth_compact_forest.c with 16 rows a step on AVX-512, 8 on AVX2, instead of one), and one row down it a tree a
// lane (the compact-trees walk, as berth_forest.c walks the packed nodes, on nodes half their size).
//
// Trees are outer, so one tree's 8-byte nodes stay in L1 while every row of the block visits it, and each step
// gathers from L1: a node a lane (as one 64-bit element, its fields picked apart in registers), then the row's value
// of that node's feature. The decision is the scalar walk's, bit for bit: left when x < threshold (ordered, so NaN
// compares false) or when x is NaN and the node sends NaN left; left is the node's `left` slot, right the one after
// it (16 bits, as the scalar step wraps); a leaf steps to itself. Leaves are added to the margins in tree order.
//
// A step is a chain of two gathers, so four chains of 16 rows (eight of 8 on AVX2) are in flight at once: fewer left
// the gathers waiting on each other (docs/performance.md). A block of 64 rows (the kernel's) fills them with one
// tree; a smaller block walks several trees at once, a chain per tree and 16 rows, their leaves still added to each
// row in tree order.
#include "berth_kernels.h"

#include <stdint.h>

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

#define CHAINS_AVX512 4
#define CHAINS_AVX2 8

// The decision of the scalar `step` on 16 lanes, from their nodes gathered as 64-bit halves (`low` lanes 0-7, `high`
// 8-15) and the value of each node's feature in the lane's row: the slots the lanes step to.
__attribute__((target("avx512f")))
static inline __m512i next_slots16(__m512i head, __m512 threshold, __m512 x) {
    const __mmask16 less = _mm512_cmp_ps_mask(x, threshold, _CMP_LT_OQ);
    const __mmask16 missing = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const __mmask16 defaultLeft = _mm512_test_epi32_mask(head, _mm512_set1_epi32(BERTH_COMPACT_DEFAULT_LEFT));
    const __m512i left = _mm512_srli_epi32(head, 16);
    const __m512i right = _mm512_and_si512(_mm512_add_epi32(left, _mm512_set1_epi32(1)), _mm512_set1_epi32(0xFFFF));
    return _mm512_mask_blend_epi32(less | (missing & defaultLeft), right, left);
}

// Each of 16 nodes' first 32 bits (feature and flag, left slot) and threshold, from the two gathers of their 64 bits.
__attribute__((target("avx512f")))
static inline void unpack16(__m512i low, __m512i high, __m512i *head, __m512 *threshold) {
    const __m512i firsts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    *head = _mm512_permutex2var_epi32(low, firsts, high);
    *threshold = _mm512_castsi512_ps(_mm512_permutex2var_epi32(low, _mm512_add_epi32(firsts, _mm512_set1_epi32(1)), high));
}

// 16 rows one step down `tree`: `slots` are the rows' current slots, `rows` the first row's values, `rowOffsets`
// each lane's row start (lane × stride); `lanes` the rows that exist (the others are not read).
__attribute__((target("avx512f")))
static inline __m512i step16(const berth_compact_node *tree, const float *rows, __m512i rowOffsets, __m512i slots,
                             __mmask16 lanes) {
    __m512i head;
    __m512 threshold;
    unpack16(_mm512_i32gather_epi64(_mm512_castsi512_si256(slots), (const void *)tree, 8),
             _mm512_i32gather_epi64(_mm512_extracti64x4_epi64(slots, 1), (const void *)tree, 8), &head, &threshold);
    const __m512i feature = _mm512_and_si512(head, _mm512_set1_epi32(BERTH_COMPACT_FEATURE_MASK));
    const __m512 x = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes, _mm512_add_epi32(rowOffsets, feature), rows, 4);
    return next_slots16(head, threshold, x);
}

// How a block fills the chains: the chunks of a chain's width its rows take (at most one per chain), and the trees
// a round walks at once, each over every chunk.
typedef struct round_plan {
    long chunks, treesAtOnce;
} round_plan;

static inline round_plan plan_rounds(long rowCount, long lanes, long chains) {
    long chunks = (rowCount + lanes - 1) / lanes;
    if (chunks > chains) chunks = chains;
    if (chunks < 1) chunks = 1;
    return (round_plan){ chunks, chains / chunks };
}

// The deepest of trees first ..< first + count: the steps a round takes (a leaf steps to itself).
static inline long deepest(const berth_compact_forest *forest, long first, long count) {
    long depth = 0;
    for (long tree = first; tree < first + count; tree++) {
        if (forest->depths[tree] > depth) depth = forest->depths[tree];
    }
    return depth;
}

#define MAX_CHAINS (CHAINS_AVX2 > CHAINS_AVX512 ? CHAINS_AVX2 : CHAINS_AVX512)

// One round of a block walk, the same for every vector width: chain c walks tree `tree[c]` over the `rows[c]` rows
// from `firstRow[c]` (none for the chains past `count`), tree-major, so that adding the chains' leaves in order adds
// each row's leaves in tree order; `depth` steps.
typedef struct round_chains {
    long count, depth;
    long tree[MAX_CHAINS], firstRow[MAX_CHAINS], rows[MAX_CHAINS];
} round_chains;

// The round of `plan` from tree `firstTree` on the block's rows from `firstRow`, chains `lanes` rows wide.
static inline round_chains lay_out_round(const berth_compact_forest *forest, round_plan plan, long firstTree, long firstRow,
                                         long rowCount, long lanes, long chains) {
    round_chains round;
    const long trees = forest->treeCount - firstTree < plan.treesAtOnce ? forest->treeCount - firstTree : plan.treesAtOnce;
    round.count = trees * plan.chunks;
    round.depth = deepest(forest, firstTree, trees);
    for (long chain = 0; chain < chains; chain++) {
        const long used = chain < round.count, chunk = chain % plan.chunks;
        const long rest = rowCount - firstRow - lanes * chunk;
        round.tree[chain] = firstTree + (used ? chain / plan.chunks : 0);
        round.firstRow[chain] = firstRow + lanes * chunk;
        round.rows[chain] = used ? (rest >= lanes ? lanes : rest) : 0;
    }
    return round;
}

// Adds one chain's leaf values to its rows' margins at `margin`, `groups` apart.
static inline void add_to_rows(float *margin, long groups, const float *values, long rows) {
    for (long lane = 0; lane < rows; lane++) margin[lane * groups] += values[lane];
}

__attribute__((target("avx512f")))
static void sum_rows_avx512(const berth_compact_forest *forest, const float *rows, long stride, long rowCount,
                            float *margins) {
    const long groups = forest->groupCount;
    const __m512i rowOffsets = _mm512_mullo_epi32(_mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15),
                                                  _mm512_set1_epi32((int)stride));
    for (long firstRow = 0; firstRow < rowCount;) {
        // Planned for the rows left, so the last pass of a long block steps no empty chunk.
        const round_plan plan = plan_rounds(rowCount - firstRow, 16, CHAINS_AVX512);
        for (long firstTree = 0; firstTree < forest->treeCount; firstTree += plan.treesAtOnce) {
            const round_chains round = lay_out_round(forest, plan, firstTree, firstRow, rowCount, 16, CHAINS_AVX512);
            const berth_compact_node *nodes[CHAINS_AVX512];
            const float *block[CHAINS_AVX512];
            __mmask16 lanes[CHAINS_AVX512];
            __m512i slot[CHAINS_AVX512];
            for (long chain = 0; chain < CHAINS_AVX512; chain++) {
                nodes[chain] = forest->nodes + forest->treeStarts[round.tree[chain]];
                block[chain] = rows + round.firstRow[chain] * stride;
                lanes[chain] = (__mmask16)((1u << round.rows[chain]) - 1u);
                slot[chain] = _mm512_setzero_si512();
            }
            for (long level = 0; level < round.depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
                for (int chain = 0; chain < CHAINS_AVX512; chain++) {
                    if (chain < round.count) slot[chain] = step16(nodes[chain], block[chain], rowOffsets, slot[chain], lanes[chain]);
                }
            }
            for (long chain = 0; chain < round.count; chain++) {
                const float *leafValues = forest->leafValues + forest->treeStarts[round.tree[chain]];
                const __m512 leaf = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes[chain], slot[chain], leafValues, 4);
                float *margin = margins + round.firstRow[chain] * groups + forest->groups[round.tree[chain]];
                if (groups == 1) {
                    _mm512_mask_storeu_ps(margin, lanes[chain], _mm512_add_ps(_mm512_maskz_loadu_ps(lanes[chain], margin), leaf));
                } else {
                    float values[16];
                    _mm512_storeu_ps(values, leaf);
                    add_to_rows(margin, groups, values, round.rows[chain]);
                }
            }
        }
        firstRow += 16 * plan.chunks;
    }
}

// As next_slots16, on 8 lanes.
__attribute__((target("avx2")))
static inline __m256i next_slots8(__m256i head, __m256 threshold, __m256 x) {
    const __m256 less = _mm256_cmp_ps(x, threshold, _CMP_LT_OQ);
    const __m256 missing = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const __m256i flagged = _mm256_set1_epi32(BERTH_COMPACT_DEFAULT_LEFT);
    const __m256i defaultLeft = _mm256_cmpeq_epi32(_mm256_and_si256(head, flagged), flagged);
    const __m256i goLeft = _mm256_or_si256(_mm256_castps_si256(less),
                                           _mm256_and_si256(_mm256_castps_si256(missing), defaultLeft));
    const __m256i left = _mm256_srli_epi32(head, 16);
    const __m256i right = _mm256_and_si256(_mm256_add_epi32(left, _mm256_set1_epi32(1)), _mm256_set1_epi32(0xFFFF));
    return _mm256_blendv_epi8(right, left, goLeft);
}

// As unpack16, on 8 nodes. Each 128-bit half of a shuffle takes two nodes from each source: lanes 0, 1, 4, 5 | 2, 3,
// 6, 7, which the 64-bit permute puts back in order.
__attribute__((target("avx2")))
static inline void unpack8(__m256i low, __m256i high, __m256i *head, __m256 *threshold) {
    const __m256 first = _mm256_castsi256_ps(low), second = _mm256_castsi256_ps(high);
    *head = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(first, second, 0x88)), 0xD8);
    *threshold = _mm256_castsi256_ps(_mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(first, second, 0xDD)), 0xD8));
}

// As step16, on 8 rows.
__attribute__((target("avx2")))
static inline __m256i step8(const berth_compact_node *tree, const float *rows, __m256i rowOffsets, __m256i slots,
                            __m256i lanes) {
    const long long *base = (const long long *)tree;
    __m256i head;
    __m256 threshold;
    unpack8(_mm256_i32gather_epi64(base, _mm256_castsi256_si128(slots), 8),
            _mm256_i32gather_epi64(base, _mm256_extracti128_si256(slots, 1), 8), &head, &threshold);
    const __m256i feature = _mm256_and_si256(head, _mm256_set1_epi32(BERTH_COMPACT_FEATURE_MASK));
    const __m256 x = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), rows, _mm256_add_epi32(rowOffsets, feature),
                                              _mm256_castsi256_ps(lanes), 4);
    return next_slots8(head, threshold, x);
}

__attribute__((target("avx2")))
static void sum_rows_avx2(const berth_compact_forest *forest, const float *rows, long stride, long rowCount,
                          float *margins) {
    const long groups = forest->groupCount;
    const __m256i laneIndex = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    const __m256i rowOffsets = _mm256_mullo_epi32(laneIndex, _mm256_set1_epi32((int)stride));
    for (long firstRow = 0; firstRow < rowCount;) {
        const round_plan plan = plan_rounds(rowCount - firstRow, 8, CHAINS_AVX2);
        for (long firstTree = 0; firstTree < forest->treeCount; firstTree += plan.treesAtOnce) {
            const round_chains round = lay_out_round(forest, plan, firstTree, firstRow, rowCount, 8, CHAINS_AVX2);
            const berth_compact_node *nodes[CHAINS_AVX2];
            const float *block[CHAINS_AVX2];
            __m256i lanes[CHAINS_AVX2], slot[CHAINS_AVX2];
            for (long chain = 0; chain < CHAINS_AVX2; chain++) {
                nodes[chain] = forest->nodes + forest->treeStarts[round.tree[chain]];
                block[chain] = rows + round.firstRow[chain] * stride;
                lanes[chain] = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)round.rows[chain]), laneIndex);
                slot[chain] = _mm256_setzero_si256();
            }
            for (long level = 0; level < round.depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
                for (int chain = 0; chain < CHAINS_AVX2; chain++) {
                    if (chain < round.count) slot[chain] = step8(nodes[chain], block[chain], rowOffsets, slot[chain], lanes[chain]);
                }
            }
            for (long chain = 0; chain < round.count; chain++) {
                const float *leafValues = forest->leafValues + forest->treeStarts[round.tree[chain]];
                const __m256 leaf = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), leafValues, slot[chain],
                                                             _mm256_castsi256_ps(lanes[chain]), 4);
                float values[8];
                _mm256_storeu_ps(values, leaf);
                add_to_rows(margins + round.firstRow[chain] * groups + forest->groups[round.tree[chain]], groups, values, round.rows[chain]);
            }
        }
        firstRow += 8 * plan.chunks;
    }
}

// One row, 16 trees one step down: lane t walks the tree whose first node is `bases[t]`, at its slot `slots[t]`.
__attribute__((target("avx512f")))
static inline __m512i tree_step16(const berth_compact_node *nodes, const float *row, __m512i bases, __m512i slots,
                                  __mmask16 lanes) {
    const __m512i index = _mm512_add_epi32(bases, slots), zero = _mm512_setzero_si512();
    __m512i head;
    __m512 threshold;
    unpack16(_mm512_mask_i32gather_epi64(zero, (__mmask8)lanes, _mm512_castsi512_si256(index), (const void *)nodes, 8),
             _mm512_mask_i32gather_epi64(zero, (__mmask8)(lanes >> 8), _mm512_extracti64x4_epi64(index, 1), (const void *)nodes, 8),
             &head, &threshold);
    const __m512i feature = _mm512_and_si512(head, _mm512_set1_epi32(BERTH_COMPACT_FEATURE_MASK));
    return next_slots16(head, threshold, _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes, feature, row, 4));
}

// Adds the leaves of trees first ..< first + count, whose slots are in `slots`, to the row's margins in tree order;
// one group's sum stays in a register.
static inline void add_leaves(const berth_compact_forest *forest, long first, long count, const int32_t *slots, float *margins) {
    if (forest->groupCount == 1) {
        float sum = margins[0];
        for (long tree = 0; tree < count; tree++) sum += forest->leafValues[forest->treeStarts[first + tree] + slots[tree]];
        margins[0] = sum;
    } else {
        for (long tree = 0; tree < count; tree++) {
            margins[forest->groups[first + tree]] += forest->leafValues[forest->treeStarts[first + tree] + slots[tree]];
        }
    }
}

__attribute__((target("avx512f")))
static void sum_row_avx512(const berth_compact_forest *forest, const float *row, float *margins) {
    enum { trees = 16 * CHAINS_AVX512 };
    for (long first = 0; first < forest->treeCount; first += trees) {
        const long count = forest->treeCount - first < trees ? forest->treeCount - first : trees;
        const long chains = (count + 15) / 16, depth = deepest(forest, first, count);
        __mmask16 lanes[CHAINS_AVX512];
        __m512i bases[CHAINS_AVX512], slot[CHAINS_AVX512];
        for (long chain = 0; chain < CHAINS_AVX512; chain++) {
            const long rest = count - 16 * chain;
            lanes[chain] = (__mmask16)((1u << (rest >= 16 ? 16 : (rest > 0 ? rest : 0))) - 1u);
            bases[chain] = _mm512_maskz_loadu_epi32(lanes[chain], forest->treeStarts + first + 16 * chain);
            slot[chain] = _mm512_setzero_si512();
        }
        for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
            for (int chain = 0; chain < CHAINS_AVX512; chain++) {
                if (chain < chains) slot[chain] = tree_step16(forest->nodes, row, bases[chain], slot[chain], lanes[chain]);
            }
        }
        int32_t slots[trees];
        for (long chain = 0; chain < chains; chain++) _mm512_storeu_si512((void *)(slots + 16 * chain), slot[chain]);
        add_leaves(forest, first, count, slots, margins);
    }
}

// As tree_step16, on 8 trees.
__attribute__((target("avx2")))
static inline __m256i tree_step8(const berth_compact_node *nodes, const float *row, __m256i bases, __m256i slots,
                                 __m256i lanes) {
    const __m256i index = _mm256_add_epi32(bases, slots), zero = _mm256_setzero_si256();
    const long long *base = (const long long *)nodes;
    const __m256i lowLanes = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(lanes));
    const __m256i highLanes = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(lanes, 1));
    __m256i head;
    __m256 threshold;
    unpack8(_mm256_mask_i32gather_epi64(zero, base, _mm256_castsi256_si128(index), lowLanes, 8),
            _mm256_mask_i32gather_epi64(zero, base, _mm256_extracti128_si256(index, 1), highLanes, 8), &head, &threshold);
    const __m256i feature = _mm256_and_si256(head, _mm256_set1_epi32(BERTH_COMPACT_FEATURE_MASK));
    return next_slots8(head, threshold, _mm256_mask_i32gather_ps(_mm256_setzero_ps(), row, feature, _mm256_castsi256_ps(lanes), 4));
}

__attribute__((target("avx2")))
static void sum_row_avx2(const berth_compact_forest *forest, const float *row, float *margins) {
    enum { trees = 8 * CHAINS_AVX2 };
    const __m256i laneIndex = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
    for (long first = 0; first < forest->treeCount; first += trees) {
        const long count = forest->treeCount - first < trees ? forest->treeCount - first : trees;
        const long chains = (count + 7) / 8, depth = deepest(forest, first, count);
        __m256i lanes[CHAINS_AVX2], bases[CHAINS_AVX2], slot[CHAINS_AVX2];
        for (long chain = 0; chain < CHAINS_AVX2; chain++) {
            lanes[chain] = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(count - 8 * chain)), laneIndex);
            bases[chain] = chain < chains ? _mm256_maskload_epi32(forest->treeStarts + first + 8 * chain, lanes[chain])
                                          : _mm256_setzero_si256();
            slot[chain] = _mm256_setzero_si256();
        }
        for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack
            for (int chain = 0; chain < CHAINS_AVX2; chain++) {
                if (chain < chains) slot[chain] = tree_step8(forest->nodes, row, bases[chain], slot[chain], lanes[chain]);
            }
        }
        int32_t slots[trees];
        for (long chain = 0; chain < chains; chain++) _mm256_storeu_si256((__m256i *)(slots + 8 * chain), slot[chain]);
        add_leaves(forest, first, count, slots, margins);
    }
}
#endif

int berth_compact_forest_sum_rows_using(int isa, const berth_compact_forest *forest, const float *rows, long stride,
                                        long rowCount, float *margins) {
    // Row offsets (lane × stride + feature) are 32-bit gather indices.
    if (stride < 0 || stride > (INT32_MAX - (long)BERTH_COMPACT_FEATURE_MASK) / 16) return -1;
    switch (isa) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case 1:
        if (!__builtin_cpu_supports("avx2")) return -1;
        sum_rows_avx2(forest, rows, stride, rowCount, margins);
        return 0;
    case 2:
        if (!__builtin_cpu_supports("avx512f")) return -1;
        // Eight rows or fewer would leave half of every 16-lane chain empty: 8-lane chains walk them.
        if (rowCount <= 8 && __builtin_cpu_supports("avx2")) sum_rows_avx2(forest, rows, stride, rowCount, margins);
        else sum_rows_avx512(forest, rows, stride, rowCount, margins);
        return 0;
#endif
    default:
        return -1;
    }
}

int berth_compact_forest_sum_row_using(int isa, const berth_compact_forest *forest, const float *row, float *margins) {
    switch (isa) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case 1:
        if (!__builtin_cpu_supports("avx2")) return -1;
        sum_row_avx2(forest, row, margins);
        return 0;
    case 2:
        if (!__builtin_cpu_supports("avx512f")) return -1;
        sum_row_avx512(forest, row, margins);
        return 0;
#endif
    default:
        return -1;
    }
}
