// One row down many trees at once with vector gathers: the real-time case of Berth's tree kernel.
//
// The scalar walk (Swift, CPUTreeEnsembleModel) steps many trees of one row together, but every step is a chain of
// dependent loads and a select per tree. Here each vector lane is a tree: gathers read that level's nodes for all
// lanes, one gathers the row's feature values, one compare decides every lane. The decision is the scalar
// step's, bit for bit: go left when x < threshold (ordered, so NaN compares false) or when x is NaN and the node's
// default-left flag is set; leaves point to themselves, so stepping past a tree's depth changes nothing.
#include "berth_kernels.h"
#include "berth_forest_node.h"

#include <stddef.h>

// The gathers below read node i's fields at byte 16 * i + their offset.
_Static_assert(sizeof(berth_forest_node) == 16, "a packed node is 16 bytes");
_Static_assert(offsetof(berth_forest_node, featureAndFlags) == 0 && offsetof(berth_forest_node, value) == 4
               && offsetof(berth_forest_node, left) == 8 && offsetof(berth_forest_node, right) == 12,
               "the gathers read the fields at these offsets");

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

// Node i starts at byte 16 * i: gathers use the lane's (index * 2) scaled by 8. A node is read as two 64-bit
// halves, its feature and threshold and its two children, so one step gathers 48 elements (two halves and the
// feature value a lane) instead of 80 in 32-bit fields: a gather costs about a load an element, and gathers are most
// of a step. The halves' 32-bit fields are then picked apart in registers.
__attribute__((target("avx512f")))
static inline __m512i step16_avx512(const char *nodes, const float *row, __m512i index, __mmask16 lanes) {
    const __m512i offsets = _mm512_slli_epi32(index, 1);
    const __m256i lowOffsets = _mm512_castsi512_si256(offsets), highOffsets = _mm512_extracti64x4_epi64(offsets, 1);
    const __mmask8 lowLanes = (__mmask8)lanes, highLanes = (__mmask8)(lanes >> 8);
    const __m512i zero = _mm512_setzero_si512();
    const __m512i headLow = _mm512_mask_i32gather_epi64(zero, lowLanes, lowOffsets, nodes, 8);
    const __m512i headHigh = _mm512_mask_i32gather_epi64(zero, highLanes, highOffsets, nodes, 8);
    const __m512i childrenLow = _mm512_mask_i32gather_epi64(zero, lowLanes, lowOffsets, nodes + 8, 8);
    const __m512i childrenHigh = _mm512_mask_i32gather_epi64(zero, highLanes, highOffsets, nodes + 8, 8);
    // The first field of each half (feature and flags, left child) in the even 32-bit slots, the second in the odd.
    const __m512i firsts = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
    const __m512i seconds = _mm512_add_epi32(firsts, _mm512_set1_epi32(1));
    const __m512i flags = _mm512_permutex2var_epi32(headLow, firsts, headHigh);
    const __m512 threshold = _mm512_castsi512_ps(_mm512_permutex2var_epi32(headLow, seconds, headHigh));
    const __m512i left = _mm512_permutex2var_epi32(childrenLow, firsts, childrenHigh);
    const __m512i right = _mm512_permutex2var_epi32(childrenLow, seconds, childrenHigh);
    const __m512i feature = _mm512_and_si512(flags, _mm512_set1_epi32((int)BERTH_NODE_FEATURE_MASK));
    const __m512 x = _mm512_mask_i32gather_ps(_mm512_setzero_ps(), lanes, feature, row, 4);
    const __mmask16 less = _mm512_cmp_ps_mask(x, threshold, _CMP_LT_OQ);
    const __mmask16 missing = _mm512_cmp_ps_mask(x, x, _CMP_UNORD_Q);
    const __mmask16 defaultLeft = _mm512_test_epi32_mask(flags, _mm512_set1_epi32((int)BERTH_NODE_DEFAULT_LEFT));
    return _mm512_mask_blend_epi32(less | (missing & defaultLeft), right, left);
}

// Up to four independent chains of 16 lanes, so some chains' gathers issue while others wait.
__attribute__((target("avx512f")))
static void walk_avx512(const char *nodes, const float *row, int *indices, long count, long depth) {
    __m512i index[4];
    __mmask16 lanes[4];
    const long chains = (count + 15) / 16;
    for (long chain = 0; chain < chains; chain++) {
        const long active = count - chain * 16 >= 16 ? 16 : count - chain * 16;
        lanes[chain] = (__mmask16)((1u << active) - 1);
        index[chain] = _mm512_maskz_loadu_epi32(lanes[chain], indices + chain * 16);
    }
    for (long level = 0; level < depth; level++) {
        for (long chain = 0; chain < chains; chain++) index[chain] = step16_avx512(nodes, row, index[chain], lanes[chain]);
    }
    for (long chain = 0; chain < chains; chain++) _mm512_mask_storeu_epi32(indices + chain * 16, lanes[chain], index[chain]);
}

// As step16_avx512, on 8 lanes: 24 elements gathered a step instead of 40.
__attribute__((target("avx2")))
static inline __m256i step8_avx2(const char *nodes, const float *row, __m256i index, __m256i lanes) {
    const __m256i offsets = _mm256_slli_epi32(index, 1);
    const __m128i lowOffsets = _mm256_castsi256_si128(offsets), highOffsets = _mm256_extracti128_si256(offsets, 1);
    const __m256i lowLanes = _mm256_cvtepi32_epi64(_mm256_castsi256_si128(lanes));
    const __m256i highLanes = _mm256_cvtepi32_epi64(_mm256_extracti128_si256(lanes, 1));
    const __m256i zero = _mm256_setzero_si256();
    const long long *head = (const long long *)nodes, *children = (const long long *)(nodes + 8);
    const __m256 headLow = _mm256_castsi256_ps(_mm256_mask_i32gather_epi64(zero, head, lowOffsets, lowLanes, 8));
    const __m256 headHigh = _mm256_castsi256_ps(_mm256_mask_i32gather_epi64(zero, head, highOffsets, highLanes, 8));
    const __m256 childrenLow = _mm256_castsi256_ps(_mm256_mask_i32gather_epi64(zero, children, lowOffsets, lowLanes, 8));
    const __m256 childrenHigh = _mm256_castsi256_ps(_mm256_mask_i32gather_epi64(zero, children, highOffsets, highLanes, 8));
    // Each 128-bit half of a shuffle takes two nodes from each source: lanes 0, 1, 4, 5 | 2, 3, 6, 7, which the
    // 64-bit permute puts back in order.
    const __m256i flags = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(headLow, headHigh, 0x88)), 0xD8);
    const __m256 threshold = _mm256_castsi256_ps(
        _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(headLow, headHigh, 0xDD)), 0xD8));
    const __m256i left = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(childrenLow, childrenHigh, 0x88)), 0xD8);
    const __m256i right = _mm256_permute4x64_epi64(_mm256_castps_si256(_mm256_shuffle_ps(childrenLow, childrenHigh, 0xDD)), 0xD8);
    const __m256i feature = _mm256_and_si256(flags, _mm256_set1_epi32((int)BERTH_NODE_FEATURE_MASK));
    const __m256 x = _mm256_mask_i32gather_ps(_mm256_setzero_ps(), row, feature, _mm256_castsi256_ps(lanes), 4);
    const __m256 less = _mm256_cmp_ps(x, threshold, _CMP_LT_OQ);
    const __m256 missing = _mm256_cmp_ps(x, x, _CMP_UNORD_Q);
    const __m256i flagged = _mm256_set1_epi32((int)BERTH_NODE_DEFAULT_LEFT);
    const __m256i defaultLeft = _mm256_cmpeq_epi32(_mm256_and_si256(flags, flagged), flagged);
    const __m256i goLeft = _mm256_or_si256(_mm256_castps_si256(less),
                                           _mm256_and_si256(_mm256_castps_si256(missing), defaultLeft));
    return _mm256_blendv_epi8(right, left, goLeft);
}

// Up to eight chains of 8 lanes.
__attribute__((target("avx2")))
static void walk_avx2(const char *nodes, const float *row, int *indices, long count, long depth) {
    __m256i index[8], lanes[8];
    long chains = (count + 7) / 8;
    for (long chain = 0; chain < chains; chain++) {
        const long active = count - chain * 8 >= 8 ? 8 : count - chain * 8;
        lanes[chain] = _mm256_cmpgt_epi32(_mm256_set1_epi32((int)active), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        index[chain] = _mm256_maskload_epi32(indices + chain * 8, lanes[chain]);
    }
    for (long level = 0; level < depth; level++) {
        for (long chain = 0; chain < chains; chain++) index[chain] = step8_avx2(nodes, row, index[chain], lanes[chain]);
    }
    for (long chain = 0; chain < chains; chain++) _mm256_maskstore_epi32(indices + chain * 8, lanes[chain], index[chain]);
}

static int chosen_isa(void) {
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f")) return 2;
    if (__builtin_cpu_supports("avx2")) return 1;
    return 0;
}
#else
static int chosen_isa(void) { return 0; }
#endif

// Chosen once; a benign race at first use computes the same answer on every thread. -1: not chosen yet.
static int selected_isa = -1;

static int isa(void) {
    int chosen = __atomic_load_n(&selected_isa, __ATOMIC_ACQUIRE);
    if (chosen < 0) {
        chosen = chosen_isa();
        __atomic_store_n(&selected_isa, chosen, __ATOMIC_RELEASE);
    }
    return chosen;
}

int berth_forest_walk_isa(void) { return isa(); }

int berth_forest_walk_row(const void *nodes, const float *row, int *indices, long count, long depth) {
    return berth_forest_walk_row_using(isa(), nodes, row, indices, count, depth);
}

int berth_forest_walk_row_using(int isa, const void *nodes, const float *row, int *indices, long count, long depth) {
    if (count < 0 || count > BERTH_FOREST_WALK_MAX_TREES) return -1;
    switch (isa) {
#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
    case 1:
        if (!__builtin_cpu_supports("avx2")) return -1;
        walk_avx2((const char *)nodes, row, indices, count, depth);
        return 0;
    case 2:
        if (!__builtin_cpu_supports("avx512f")) return -1;
        walk_avx512((const char *)nodes, row, indices, count, depth);
        return 0;
#endif
    default:
        return -1;
    }
}
