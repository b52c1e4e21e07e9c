// Runs Berth's C kernels (Sources/CBerthKernels) on generated forests, layers and values and prints one line per
// kernel and instruction set: its name and a 64-bit digest (FNV-1a) of every answer's bytes. scripts/arm-kernel-check
// builds it for this x86 machine and for AArch64 (run under qemu) and compares the lines: the walks, the oblivious
// forest, the activations (Erf, GELU, Softplus, Mish and ELU too), LayerNormalization and the BatchNormalization step must answer the same bits on both, and the dense kernel's fused multiply-add paths (AVX2,
// AVX-512 and NEON) too. It exits 1 when, on one machine, two paths meant to agree do not.
//
// Inputs come from a fixed-seed generator, so the two builds see the same ones (built without a multiply and an add
// in one expression, which clang fuses on AArch64 and not on x86-64): trees of random shapes (leaves at
// every depth, NaN sent either way, LightGBM's missing zeros), rows with NaN, zeros, ties with thresholds and
// infinities, layers with padded panels, partial row blocks and the epilogue's Add and Relu.
#include "berth_kernels.h"
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t state = 0x9E3779B97F4A7C15ull;

// SplitMix64.
static uint64_t next_random(void) {
    uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static long below(long n) { return (long)(next_random() % (uint64_t)n); }

// A value on a grid of 1/8 in [-4, 4), so rows tie with thresholds often.
static float grid_value(void) { return (float)(below(64) - 32) / 8.0f; }

// A feature value: mostly grid values, sometimes NaN, zero or an infinity.
static float feature_value(void) {
    switch (below(16)) {
    case 0: return NAN;
    case 1: return 0.0f;
    case 2: return below(2) ? INFINITY : -INFINITY;
    default: return grid_value();
    }
}

static uint64_t digest(uint64_t hash, const void *bytes, size_t count) {
    const unsigned char *p = bytes;
    for (size_t i = 0; i < count; i++) hash = (hash ^ p[i]) * 0x100000001B3ull;
    return hash;
}

static const uint64_t digest_start = 0xCBF29CE484222325ull;
static int failures = 0;

static void report(const char *name, uint64_t hash) { printf("%s %016llx\n", name, (unsigned long long)hash); }

enum { FEATURES = 28, TREES = 37, GROUPS = 3, ROWS = 203, MAX_SLOTS = 1024 };

// A tree's shape in children-side-by-side slots: `left[s]` is slot s's left child (its right is the next slot), or
// -1 for a leaf; returns the slot count and sets `depth` to the steps a walk takes.
static int tree_shape(int *left, int capacity, int maxDepth, int *depth) {
    int levels[4096];
    int count = 1, deepest = 0;
    levels[0] = 0;
    for (int slot = 0; slot < count; slot++) {
        int level = levels[slot];
        int internal = level < maxDepth && count + 2 <= capacity && (slot == 0 || below(4) != 0);
        left[slot] = internal ? count : -1;
        if (internal) {
            levels[count] = levels[count + 1] = level + 1;
            if (level + 1 > deepest) deepest = level + 1;
            count += 2;
        }
    }
    *depth = deepest;
    return count;
}

// A forest's shape, its trees' slots one after another: node i is slot `slot[i]` of its tree and `left[i]` that
// tree's slot of its left child, or -1 for a leaf; tree t starts at node `starts[t]`, and a walk of it takes
// `depths[t]` steps. Both compact forests (float and double) are laid out on one.
typedef struct {
    int slot[TREES * MAX_SLOTS], left[TREES * MAX_SLOTS];
    int32_t starts[TREES], depths[TREES];
    int32_t total;
} forest_shape;

static forest_shape *random_forest_shape(void) {
    forest_shape *shape = malloc(sizeof *shape);
    shape->total = 0;
    for (int t = 0; t < TREES; t++) {
        int depth;
        int count = tree_shape(shape->left + shape->total, MAX_SLOTS, 1 + (int)below(9), &depth);
        shape->starts[t] = shape->total;
        shape->depths[t] = depth;
        for (int s = 0; s < count; s++) shape->slot[shape->total + s] = s;
        shape->total += count;
    }
    return shape;
}

static void check_compact_forest(void) {
    forest_shape *shape = random_forest_shape();
    berth_compact_node *nodes = calloc(shape->total, sizeof *nodes);
    float *leafValues = calloc(shape->total, sizeof *leafValues);
    for (int32_t i = 0; i < shape->total; i++) {
        berth_compact_node *node = nodes + i;
        if (shape->left[i] < 0) {
            node->featureAndDefaultLeft = 0;
            node->left = (uint16_t)(shape->slot[i] - 1);
            node->threshold = NAN;
            leafValues[i] = (float)(below(20001) - 10000) / 4096.0f;
        } else {
            node->featureAndDefaultLeft = (uint16_t)(below(FEATURES) | (below(2) ? BERTH_COMPACT_DEFAULT_LEFT : 0));
            node->left = (uint16_t)shape->left[i];
            node->threshold = grid_value();
        }
    }
    int32_t groups[TREES];
    for (int t = 0; t < TREES; t++) groups[t] = t % GROUPS;
    berth_compact_forest forest = {nodes, leafValues, shape->starts, shape->depths, groups, TREES, GROUPS};
    const long stride = FEATURES + 3;
    float *rows = malloc(sizeof(float) * ROWS * stride);
    for (long i = 0; i < ROWS * stride; i++) rows[i] = feature_value();
    float *margins = calloc(ROWS * GROUPS, sizeof(float));
    berth_compact_forest_sum_rows(&forest, rows, stride, ROWS, margins);
    report("compact-forest-rows", digest(digest_start, margins, sizeof(float) * ROWS * GROUPS));
    float *single = calloc(ROWS * GROUPS, sizeof(float));
    for (long r = 0; r < ROWS; r++) berth_compact_forest_sum_row(&forest, rows + r * stride, single + r * GROUPS);
    report("compact-forest-row", digest(digest_start, single, sizeof(float) * ROWS * GROUPS));
    if (memcmp(margins, single, sizeof(float) * ROWS * GROUPS) != 0) {
        fprintf(stderr, "compact forest: a block of rows and one row at a time differ\n");
        failures++;
    }
    free(shape); free(nodes); free(leafValues); free(rows); free(margins); free(single);
}

static void check_compact_double_forest(int missingZeros) {
    forest_shape *shape = random_forest_shape();
    berth_compact_double_node *nodes = calloc(shape->total, sizeof *nodes);
    double *leafValues = calloc(shape->total, sizeof *leafValues);
    for (int32_t i = 0; i < shape->total; i++) {
        berth_compact_double_node *node = nodes + i;
        if (shape->left[i] < 0) {
            node->threshold = NAN;
            node->feature = 0;
            node->left = (uint16_t)(shape->slot[i] - 1);
            node->flags = 0;
            leafValues[i] = (double)grid_value() / 7.0;
        } else {
            node->threshold = (double)grid_value();
            node->feature = (uint16_t)below(FEATURES);
            node->left = (uint16_t)shape->left[i];
            node->flags = (uint8_t)(below(2) ? BERTH_COMPACT_NAN_LEFT : 0);
            if (missingZeros && below(3) == 0) {
                node->flags |= BERTH_COMPACT_ZERO_IS_MISSING | (below(2) ? BERTH_COMPACT_ZERO_LEFT : 0);
            }
        }
    }
    berth_compact_double_forest forest = {nodes, leafValues, shape->starts, shape->depths, GROUPS, missingZeros};
    const long stride = FEATURES;
    double *rows = malloc(sizeof(double) * ROWS * stride);
    for (long i = 0; i < ROWS * stride; i++) rows[i] = (double)feature_value();
    double *margins = calloc(ROWS * GROUPS, sizeof(double));
    berth_compact_double_sum_rows(&forest, 0, TREES, rows, stride, ROWS, margins);
    report(missingZeros ? "compact-double-rows-missing-zeros" : "compact-double-rows",
           digest(digest_start, margins, sizeof(double) * ROWS * GROUPS));
    double *single = calloc(ROWS * GROUPS, sizeof(double));
    for (long r = 0; r < ROWS; r++) berth_compact_double_sum_row(&forest, 0, TREES, rows + r * stride, single + r * GROUPS);
    report(missingZeros ? "compact-double-row-missing-zeros" : "compact-double-row",
           digest(digest_start, single, sizeof(double) * ROWS * GROUPS));
    if (memcmp(margins, single, sizeof(double) * ROWS * GROUPS) != 0) {
        fprintf(stderr, "compact double forest: a block of rows and one row at a time differ\n");
        failures++;
    }
    free(shape); free(nodes); free(leafValues); free(rows); free(margins); free(single);
}

static void check_oblivious_forest(int outputs) {
    enum { QUANTIZED = 6, OBLIVIOUS_TREES = 23 };
    int columns[QUANTIZED];
    long borderStarts[QUANTIZED + 1];
    float borders[QUANTIZED * 40];
    unsigned char missingAboveAll[QUANTIZED];
    long splitStarts[OBLIVIOUS_TREES + 1], leafStarts[OBLIVIOUS_TREES + 1];
    int splitFeatures[OBLIVIOUS_TREES * 6];
    unsigned short splitCodes[OBLIVIOUS_TREES * 6];
    long borderCount = 0;
    for (int f = 0; f < QUANTIZED; f++) {
        columns[f] = (int)below(FEATURES);
        missingAboveAll[f] = (unsigned char)below(2);
        borderStarts[f] = borderCount;
        int count = 1 + (int)below(40);
        float value = -4.0f;
        for (int b = 0; b < count; b++) borders[borderCount++] = (value += (float)(1 + below(3)) / 8.0f);
    }
    borderStarts[QUANTIZED] = borderCount;
    long splits = 0, leaves = 0;
    for (int t = 0; t < OBLIVIOUS_TREES; t++) {
        splitStarts[t] = splits;
        leafStarts[t] = leaves;
        int depth = (int)below(7);
        for (int i = 0; i < depth; i++) {
            int feature = (int)below(QUANTIZED);
            splitFeatures[splits] = feature;
            splitCodes[splits] = (unsigned short)below(borderStarts[feature + 1] - borderStarts[feature]);
            splits++;
        }
        leaves += (1L << depth) * outputs;
    }
    splitStarts[OBLIVIOUS_TREES] = splits;
    leafStarts[OBLIVIOUS_TREES] = leaves;
    double *leafValues = malloc(sizeof(double) * leaves);
    for (long i = 0; i < leaves; i++) leafValues[i] = (double)grid_value() / 3.0;
    berth_oblivious_forest forest = {QUANTIZED, FEATURES, columns, outputs, OBLIVIOUS_TREES, borderStarts, borders,
                                     missingAboveAll, splitStarts, splitFeatures, splitCodes, leafStarts, leafValues, 0};
    float *rows = malloc(sizeof(float) * ROWS * FEATURES);
    for (long i = 0; i < ROWS * FEATURES; i++) rows[i] = feature_value();
    unsigned short *scratch = malloc(sizeof(unsigned short) * berth_oblivious_scratch_count(&forest));
    double *margins = calloc(ROWS * outputs, sizeof(double));
    double *portable = calloc(ROWS * outputs, sizeof(double));
    berth_oblivious_margins(&forest, rows, ROWS, scratch, margins);
    berth_oblivious_margins_using(0, &forest, rows, ROWS, scratch, portable);
    report(outputs == 1 ? "oblivious-forest" : "oblivious-forest-multiclass", digest(digest_start, margins, sizeof(double) * ROWS * outputs));
    if (memcmp(margins, portable, sizeof(double) * ROWS * outputs) != 0) {
        fprintf(stderr, "oblivious forest: the chosen path and the portable path differ\n");
        failures++;
    }
    free(leafValues); free(rows); free(scratch); free(margins); free(portable);
}

static void check_activations(void) {
    enum { COUNT = 200000 };
    float *values = malloc(sizeof(float) * COUNT), *out = malloc(sizeof(float) * COUNT);
    const float edges[] = {0.0f, -0.0f, NAN, INFINITY, -INFINITY, 1e-30f, -1e-30f, 0.03125f, -0.03125f, 9.0f, -9.0f,
                           88.7f, -88.7f, 104.0f, -104.0f, 1e-45f, 3.4e38f};
    const long edgeCount = (long)(sizeof edges / sizeof edges[0]);
    for (long i = 0; i < COUNT; i++) {
        uint32_t bits = (uint32_t)next_random();
        float value;
        memcpy(&value, &bits, sizeof value);
        // Half of them anywhere in the floats, half where the functions bend.
        values[i] = i < edgeCount ? edges[i] : (i & 1) ? value : ((float)below(1 << 20) / (float)(1 << 16) - 8.0f);
    }
    const char *names[] = {"", "activation-leaky-relu", "activation-sigmoid", "activation-tanh", "activation-erf", "activation-gelu",
                           "activation-softplus", "activation-mish", "activation-elu"};
    for (int kind = 1; kind <= 8; kind++) {
        berth_activate_f32(kind, 0.01f, values, out, COUNT);
        report(names[kind], digest(digest_start, out, sizeof(float) * COUNT));
    }
    free(values); free(out);
}

// LayerNormalization's rows, of 1 to 40 values (the vector loop and its tail), with a bias and without; 67 rows, so
// that the rows normalised four at a time end in a remainder.
static void check_layer_normalization(void) {
    enum { ROWS = 67, SPAN = 40 };
    float *values = malloc(sizeof(float) * ROWS * SPAN), *out = malloc(sizeof(float) * ROWS * SPAN);
    float scale[SPAN], bias[SPAN];
    for (long i = 0; i < ROWS * SPAN; i++) values[i] = (float)below(1 << 20) / (float)(1 << 16) - 8.0f;
    for (long i = 0; i < SPAN; i++) {
        scale[i] = (float)below(1 << 12) / (float)(1 << 10) - 2.0f;
        bias[i] = (float)below(1 << 12) / (float)(1 << 10) - 2.0f;
    }
    uint64_t hash = digest_start;
    for (long span = 1; span <= SPAN; span++) {
        berth_layer_normalize_f32(ROWS, span, values, scale, bias, 1e-5, out);
        hash = digest(hash, out, sizeof(float) * ROWS * span);
        berth_layer_normalize_f32(ROWS, span, values, scale, NULL, 1e-5, out);
        hash = digest(hash, out, sizeof(float) * ROWS * span);
    }
    report("layer-normalization", hash);
    free(values); free(out);
}

// BatchNormalization's affine step, rows of 1 to 40 channels and runs of 1, 3 and 9 entries a channel.
static void check_channel_affine(void) {
    enum { OUTER = 5, CHANNELS = 40, INNER = 9 };
    float *values = malloc(sizeof(float) * OUTER * CHANNELS * INNER), *out = malloc(sizeof(float) * OUTER * CHANNELS * INNER);
    float scale[CHANNELS], bias[CHANNELS];
    for (long i = 0; i < OUTER * CHANNELS * INNER; i++) values[i] = (float)below(1 << 20) / (float)(1 << 13) - 64.0f;
    for (long i = 0; i < CHANNELS; i++) {
        scale[i] = (float)below(1 << 20) / (float)(1 << 17) - 4.0f;
        bias[i] = (float)below(1 << 20) / (float)(1 << 17) - 4.0f;
    }
    uint64_t hash = digest_start;
    const long inners[] = {1, 3, 9};
    for (long channels = 1; channels <= CHANNELS; channels++)
        for (int k = 0; k < 3; k++) {
            berth_channel_affine_f32(OUTER, channels, inners[k], values, scale, bias, out);
            hash = digest(hash, out, sizeof(float) * OUTER * channels * inners[k]);
        }
    report("channel-affine", hash);
    free(values); free(out);
}

// The dense kernel's fused multiply-add paths agree bit for bit; this prints the digest of whichever this machine
// has (x86: AVX-512, else AVX2; AArch64: NEON), after checking that every other such path here gives the same.
static void check_dense(void) {
    const long shapes[][3] = {{1, 1, 1}, {3, 5, 17}, {8, 7, 16}, {13, 37, 40}, {9, 64, 3}, {20, 3, 33}, {37, 256, 256}};
    uint64_t hash = digest_start;
    int path = 0;
    for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
        long rows = shapes[s][0], inner = shapes[s][1], columns = shapes[s][2];
        long panels = (columns + BERTH_PANEL_WIDTH - 1) / BERTH_PANEL_WIDTH, padded = panels * BERTH_PANEL_WIDTH;
        float *a = malloc(sizeof(float) * rows * inner), *packed = calloc(inner * padded, sizeof(float));
        float *bias = calloc(padded, sizeof(float)), *addend = calloc(padded, sizeof(float));
        for (long i = 0; i < rows * inner; i++) a[i] = grid_value() / 3.0f;
        a[0] = NAN;
        for (long k = 0; k < inner; k++) {
            for (long c = 0; c < columns; c++) {
                packed[(c / BERTH_PANEL_WIDTH) * inner * BERTH_PANEL_WIDTH + k * BERTH_PANEL_WIDTH + c % BERTH_PANEL_WIDTH] = grid_value() / 5.0f;
            }
        }
        for (long c = 0; c < columns; c++) { bias[c] = grid_value(); addend[c] = grid_value() / 2.0f; }
        for (int epilogue = 0; epilogue < 2; epilogue++) {
            berth_gemm_epilogue finish = {epilogue ? addend : NULL, epilogue};
            float *reference = NULL;
            for (int isa = 1; isa <= 3; isa++) {
                float *out = malloc(sizeof(float) * rows * columns);
                if (berth_gemm_f32_using(isa, rows, inner, columns, a, packed, bias, finish, out) != 0) { free(out); continue; }
                if (!reference) {
                    reference = out;
                    path = isa;
                    hash = digest(hash, out, sizeof(float) * rows * columns);
                } else {
                    if (memcmp(reference, out, sizeof(float) * rows * columns) != 0) {
                        fprintf(stderr, "dense %ldx%ldx%ld: instruction set %d differs from the first path\n", rows, inner, columns, isa);
                        failures++;
                    }
                    free(out);
                }
            }
            free(reference);
        }
        free(a); free(packed); free(bias); free(addend);
    }
    if (path) {
        report("dense-fused-multiply-adds", hash);
    } else {
        fprintf(stderr, "this machine has no fused multiply-add path for the dense kernel\n");
        failures++;
    }
}

int main(void) {
    check_compact_forest();
    check_compact_double_forest(0);
    check_compact_double_forest(1);
    check_oblivious_forest(1);
    check_oblivious_forest(3);
    check_activations();
    check_channel_affine();
    check_layer_normalization();
    check_dense();
    return failures ? 1 : 0;
}
