// Oblivious trees (CatBoost) over blocks of rows, the way CatBoost itself evaluates them: quantize, then compare codes.
//
// Every split of an oblivious tree asks `value > border` of one float feature. At load, each feature's borders are
// gathered, sorted and numbered; a split on border k of a feature then holds exactly when the row's code for that
// feature, the number of the feature's borders its value exceeds, is above k. So a block of rows is quantized once
// (one pass over each feature's borders, every lane at a time) and each split after that is one comparison of 16-bit
// codes across the block, which the compiler turns into one vector compare. Leaf indexes of every tree are found
// first; then the leaves are summed with the rows as the inner loop, so the block's sums are independent chains of
// additions, each in tree order as CatBoost sums them.
//
// The same C body is compiled three times: for AVX-512 (BW), AVX2 and the portable baseline; the CPU picks once.
#include "berth_kernels.h"

#include <string.h>

#define LANES BERTH_OBLIVIOUS_BLOCK_ROWS

// Codes for `count` rows of the block starting at `rows`; lanes past `count` are left at whatever code the row
// before gave them (they are computed and ignored).
#define BERTH_QUANTIZE_BODY                                                                                            \
    for (long feature = 0; feature < forest->featureCount; feature++) {                                               \
        float values[LANES];                                                                                           \
        for (long lane = 0; lane < LANES; lane++) values[lane] = rows[(lane < count ? lane : 0) * forest->rowWidth + forest->columns[feature]]; \
        unsigned short codes_of_feature[LANES];                                                                        \
        for (long lane = 0; lane < LANES; lane++) codes_of_feature[lane] = 0;                                          \
        const float *borders = forest->borders + forest->borderStarts[feature];                                       \
        const long borderCount = forest->borderStarts[feature + 1] - forest->borderStarts[feature];                   \
        if (forest->missingAboveAll[feature]) {                                                                        \
            for (long border = 0; border < borderCount; border++) {                                                    \
                const float b = borders[border];                                                                       \
                for (long lane = 0; lane < LANES; lane++) codes_of_feature[lane] += !(values[lane] <= b);             \
            }                                                                                                          \
        } else {                                                                                                       \
            for (long border = 0; border < borderCount; border++) {                                                    \
                const float b = borders[border];                                                                       \
                for (long lane = 0; lane < LANES; lane++) codes_of_feature[lane] += values[lane] > b;                 \
            }                                                                                                          \
        }                                                                                                              \
        memcpy(codes + feature * LANES, codes_of_feature, sizeof codes_of_feature);                                   \
    }

#define BERTH_LEAF_INDEXES_BODY                                                                                        \
    for (long tree = 0; tree < forest->treeCount; tree++) {                                                            \
        unsigned short leaf[LANES];                                                                                    \
        for (long lane = 0; lane < LANES; lane++) leaf[lane] = 0;                                                      \
        const long first = forest->splitStarts[tree], last = forest->splitStarts[tree + 1];                           \
        for (long split = last - 1; split >= first; split--) {                                                         \
            const unsigned short *code = codes + forest->splitFeatures[split] * LANES;                                \
            const unsigned short threshold = forest->splitCodes[split];                                                \
            for (long lane = 0; lane < LANES; lane++) leaf[lane] = (unsigned short)(leaf[lane] * 2 + (code[lane] > threshold)); \
        }                                                                                                              \
        memcpy(leaves + tree * LANES, leaf, sizeof leaf);                                                              \
    }

#define BERTH_SUM_BODY                                                                                                 \
    if (forest->outputCount == 1) {                                                                                    \
        double sums[LANES];                                                                                            \
        for (long lane = 0; lane < LANES; lane++) sums[lane] = 0;                                                      \
        for (long tree = 0; tree < forest->treeCount; tree++) {                                                        \
            const double *values = forest->leafValues + forest->leafStarts[tree];                                     \
            const unsigned short *leaf = leaves + tree * LANES;                                                        \
            for (long lane = 0; lane < LANES; lane++) sums[lane] += values[leaf[lane]];                               \
        }                                                                                                              \
        for (long lane = 0; lane < count; lane++) margins[lane] = sums[lane];                                         \
    } else {                                                                                                           \
        const long outputs = forest->outputCount;                                                                      \
        for (long i = 0; i < count * outputs; i++) margins[i] = 0;                                                     \
        for (long tree = 0; tree < forest->treeCount; tree++) {                                                        \
            const double *values = forest->leafValues + forest->leafStarts[tree];                                     \
            const unsigned short *leaf = leaves + tree * LANES;                                                        \
            for (long lane = 0; lane < count; lane++) {                                                                \
                const double *leafValues = values + (long)leaf[lane] * outputs;                                       \
                for (long output = 0; output < outputs; output++) margins[lane * outputs + output] += leafValues[output]; \
            }                                                                                                          \
        }                                                                                                              \
    }

#define BERTH_DEFINE_BLOCK(name, attributes)                                                                           \
    attributes static void name(const berth_oblivious_forest *forest, const float *rows, long count,                   \
                                unsigned short *codes, unsigned short *leaves, double *margins) {                      \
        BERTH_QUANTIZE_BODY                                                                                            \
        BERTH_LEAF_INDEXES_BODY                                                                                        \
        BERTH_SUM_BODY                                                                                                 \
    }

typedef void (*block_function)(const berth_oblivious_forest *, const float *, long, unsigned short *, unsigned short *,
                               double *);

BERTH_DEFINE_BLOCK(block_portable, )

#if defined(__x86_64__) && (defined(__clang__) || defined(__GNUC__))
#include <immintrin.h>

BERTH_DEFINE_BLOCK(block_avx2, __attribute__((target("avx2"))))

// The leaf sums of a single-output forest whose trees have at most 64 leaves, stored 64 to a tree: the tree's 64
// leaves sit in eight registers and eight lanes' leaves are picked out by four two-table permutes (16 leaves each,
// by bits 0-3 of the index) and two blends (by bits 4 and 5), with no memory access per lane. On the AVX-512 CPUs
// measured this is about a third faster than gathering the leaves (docs/performance.md).
__attribute__((target("avx512f,avx512bw,avx512vl")))
static inline __m512d add_leaves_of_eight_lanes(__m512d sums, const unsigned short *leaf, const __m512d table[8]) {
    const __m512i index = _mm512_cvtepu16_epi64(_mm_loadu_si128((const __m128i *)leaf));
    const __m512d first = _mm512_permutex2var_pd(table[0], index, table[1]);
    const __m512d second = _mm512_permutex2var_pd(table[2], index, table[3]);
    const __m512d third = _mm512_permutex2var_pd(table[4], index, table[5]);
    const __m512d fourth = _mm512_permutex2var_pd(table[6], index, table[7]);
    const __mmask8 bit4 = _mm512_test_epi64_mask(index, _mm512_set1_epi64(16));
    const __mmask8 bit5 = _mm512_test_epi64_mask(index, _mm512_set1_epi64(32));
    const __m512d low = _mm512_mask_blend_pd(bit4, first, second), high = _mm512_mask_blend_pd(bit4, third, fourth);
    return _mm512_add_pd(sums, _mm512_mask_blend_pd(bit5, low, high));
}

_Static_assert(LANES == 32, "the permute sums take four groups of eight lanes");

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void sum_by_permutes(const berth_oblivious_forest *forest, const unsigned short *leaves, long count, double *margins) {
    __m512d sums[4] = {_mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd(), _mm512_setzero_pd()};
    for (long tree = 0; tree < forest->treeCount; tree++) {
        const double *values = forest->leafValues + tree * 64;
        __m512d table[8];
        for (int part = 0; part < 8; part++) table[part] = _mm512_loadu_pd(values + 8 * part);
        const unsigned short *leaf = leaves + tree * LANES;
        for (int group = 0; group < 4; group++) sums[group] = add_leaves_of_eight_lanes(sums[group], leaf + 8 * group, table);
    }
    double lanes[LANES];
    for (int group = 0; group < 4; group++) _mm512_storeu_pd(lanes + 8 * group, sums[group]);
    for (long lane = 0; lane < count; lane++) margins[lane] = lanes[lane];
}

__attribute__((target("avx512f,avx512bw,avx512vl")))
static void block_avx512(const berth_oblivious_forest *forest, const float *rows, long count, unsigned short *codes,
                         unsigned short *leaves, double *margins) {
    BERTH_QUANTIZE_BODY
    BERTH_LEAF_INDEXES_BODY
    if (forest->leavesPaddedTo64) {
        sum_by_permutes(forest, leaves, count, margins);
    } else {
        BERTH_SUM_BODY
    }
}

static int supports(int isa) {
    switch (isa) {
    case 0: return 1;
    case 1: return __builtin_cpu_supports("avx2");
    case 2: return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
    default: return 0;
    }
}

static block_function block_for(int isa) { return isa == 2 ? block_avx512 : isa == 1 ? block_avx2 : block_portable; }
#else
static int supports(int isa) { return isa == 0; }
static block_function block_for(int isa) { (void)isa; return block_portable; }
#endif

static int selected_isa = -1;

int berth_oblivious_isa(void) {
    int chosen = __atomic_load_n(&selected_isa, __ATOMIC_ACQUIRE);
    if (chosen < 0) {
        chosen = supports(2) ? 2 : supports(1) ? 1 : 0;
        __atomic_store_n(&selected_isa, chosen, __ATOMIC_RELEASE);
    }
    return chosen;
}

long berth_oblivious_scratch_count(const berth_oblivious_forest *forest) {
    return (forest->featureCount + forest->treeCount) * LANES;
}

int berth_oblivious_margins_using(int isa, const berth_oblivious_forest *forest, const float *rows, long rowCount,
                                  unsigned short *scratch, double *margins) {
    if (!supports(isa)) return -1;
    const block_function block = block_for(isa);
    unsigned short *codes = scratch, *leaves = scratch + forest->featureCount * LANES;
    for (long first = 0; first < rowCount; first += LANES) {
        const long count = rowCount - first < LANES ? rowCount - first : LANES;
        block(forest, rows + first * forest->rowWidth, count, codes, leaves, margins + first * forest->outputCount);
    }
    return 0;
}

void berth_oblivious_margins(const berth_oblivious_forest *forest, const float *rows, long rowCount,
                             unsigned short *scratch, double *margins) {
    berth_oblivious_margins_using(berth_oblivious_isa(), forest, rows, rowCount, scratch, margins);
}
