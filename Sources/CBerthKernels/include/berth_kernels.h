#ifndef BERTH_KERNELS_H
#define BERTH_KERNELS_H

#include "berth_forest_node.h"
#include "berth_spin_pause.h"

/// What the dense kernel does to each product after its multiply-adds, in this order: add `addend[c]` (a
/// following Add of a constant row, folded in; one value per padded column, or NULL), then Relu when `relu` is
/// nonzero (NaN stays NaN, -0 becomes +0).
typedef struct {
    const float *addend;
    int relu;
} berth_gemm_epilogue;

/// Berth's dense matrix kernel: out[r, c] = epilogue(bias[c] + sum_k a[r, k] * b[k, c]) for r in [0, rows), the
/// sum taken in order of k, starting from the bias.
///
/// `packed_b` holds B in panels of BERTH_PANEL_WIDTH columns: panel p is inner × 16 floats, row-major, the last
/// panel zero-padded; `bias` has one value per padded column (zeros past `columns`), or is NULL. The kernel picks
/// AVX-512, AVX2+FMA or portable code once, at first use, from what the CPU supports; NEON on Arm (AArch64). Every
/// path but the x86 portable one takes each sum as fused multiply-adds in order of k, so they answer the same bits.
#define BERTH_PANEL_WIDTH 16

void berth_gemm_f32(long rows, long inner, long columns, const float *a, const float *packed_b,
                    const float *bias, berth_gemm_epilogue epilogue, float *out);

/// The instruction set the kernel runs with on this machine: "avx512", "avx2", "neon" or "portable".
const char *berth_gemm_isa(void);

/// The same computation with a given instruction set (0 portable, 1 AVX2+FMA, 2 AVX-512, 3 NEON), for tests that
/// check every path on one machine. Returns 0, or -1 when this CPU (or build) lacks the instruction set.
int berth_gemm_f32_using(int isa, long rows, long inner, long columns, const float *a, const float *packed_b,
                         const float *bias, berth_gemm_epilogue epilogue, float *out);

/// The activations `berth_activate_f32` applies.
#define BERTH_ACTIVATION_LEAKY_RELU 1
#define BERTH_ACTIVATION_SIGMOID 2
#define BERTH_ACTIVATION_TANH 3
#define BERTH_ACTIVATION_ERF 4
#define BERTH_ACTIVATION_GELU 5
#define BERTH_ACTIVATION_SOFTPLUS 6
#define BERTH_ACTIVATION_MISH 7
#define BERTH_ACTIVATION_ELU 8

/// out[i] = activation(in[i]) for i in [0, count); `in` may be `out`. Sigmoid and Tanh are worked out in double
/// precision (within about 1e-15 of the exact value) and rounded once: the correctly rounded float on every
/// instruction set; Erf and the exact GELU (`x · (1 + erf(x / √2)) / 2`) the same within about 1e-14, which rounds
/// to the nearest float but for about one value in a million (then to its neighbour); Softplus (`log(1 + e^x)`)
/// within about 1e-15, and Mish (`x · tanh(softplus(x))`) from those two rounded; ELU is `in` from 0 up and
/// `alpha · (e^in − 1)` below, e^in − 1 in double and rounded once; LeakyRelu is
/// `in >= 0 ? in : alpha * in`. AVX-512, AVX2+FMA or portable code, chosen once.
void berth_activate_f32(int kind, float alpha, const float *in, float *out, long count);

/// The same with a given instruction set (0 portable, 1 AVX2+FMA, 2 AVX-512), for tests that check every path on one
/// machine. Returns 0, or -1 when this CPU lacks the instruction set.
int berth_activate_f32_using(int isa, int kind, float alpha, const float *in, float *out, long count);

/// LayerNormalization of `rows` rows of `span` values: each row less its mean, times 1 / √(variance + epsilon) (the
/// mean and variance summed in double), rounded to float, times `scale[i]` plus `bias[i]` (`bias` may be NULL): both
/// as long as a row. The same bits on every instruction set (AVX-512, AVX2 or portable, chosen once); `in` may be `out`.
void berth_layer_normalize_f32(long rows, long span, const float *in, const float *scale, const float *bias, double epsilon,
                               float *out);

/// The same with a given instruction set (0 portable, 1 AVX2+FMA, 2 AVX-512), for tests that check every path on one
/// machine. Returns 0, or -1 when this CPU lacks the instruction set.
int berth_layer_normalize_f32_using(int isa, long rows, long span, const float *in, const float *scale, const float *bias,
                                    double epsilon, float *out);

/// BatchNormalization's affine step on a tensor of `outer` × `channels` × `inner` values: each value times its
/// channel's `scale` plus its channel's `bias` (`channels` of each), product and sum rounded apart, eight values at a
/// time; `in` may be `out`.
void berth_channel_affine_f32(long outer, long channels, long inner, const float *in, const float *scale, const float *bias,
                              float *out);

/// out[i] = √in[i] for i in [0, count), correctly rounded (NaN for a negative value), eight at a time; `in` may be `out`.
void berth_square_root_f32(const float *in, float *out, long count);

/// The most trees `berth_forest_walk_row` walks in one call.
#define BERTH_FOREST_WALK_MAX_TREES 64

/// One row down `count` trees of a packed forest at once, with vector gathers (AVX-512, else AVX2).
///
/// `nodes` is the forest's node array of `berth_forest_node` (berth_forest_node.h: 16 bytes, leaves pointing to
/// themselves), and every index must be below 2^30. `indices[t]` holds tree t's root on entry and, after `depth`
/// steps, its leaf. Returns 0, or -1 (nothing done) when the CPU has neither instruction set or `count` exceeds
/// BERTH_FOREST_WALK_MAX_TREES; the caller then walks the trees itself.
int berth_forest_walk_row(const void *nodes, const float *row, int *indices, long count, long depth);

/// The instruction set `berth_forest_walk_row` uses on this machine: 2 AVX-512, 1 AVX2, 0 none (it returns -1).
int berth_forest_walk_isa(void);

/// The same walk with a given instruction set (1 AVX2, 2 AVX-512), for tests that check every path on one
/// machine. Returns -1 for 0 (the caller's own walk) or when this CPU lacks the instruction set.
int berth_forest_walk_row_using(int isa, const void *nodes, const float *row, int *indices, long count, long depth);

/// Rows an oblivious-forest block takes at once: one vector lane each (16-bit codes: two AVX-512 registers).
#define BERTH_OBLIVIOUS_BLOCK_ROWS 32

/// An oblivious forest (CatBoost) quantized for `berth_oblivious_margins` (berth_oblivious.c says how it works).
///
/// Feature f's borders are `borders[borderStarts[f] ..< borderStarts[f + 1]]`, ascending and distinct (at most 65,535);
/// a row's code for f is how many of them its value exceeds (`value > border`), or all of them for a missing value
/// when `missingAboveAll[f]`. Tree t's splits are `splitStarts[t] ..< splitStarts[t + 1]` (at most 16): split i of the
/// tree sets bit i of the leaf index when the code of `splitFeatures[i]` is above `splitCodes[i]`. Its leaves start
/// at `leafValues[leafStarts[t]]`, `outputCount` doubles each.
/// Oblivious forest layout invariants are checked by the caller (QuantizedObliviousForest.swift), not here.
typedef struct {
    /// The features the splits use, which are quantized; feature f is column `columns[f]` of rows `rowWidth` wide.
    long featureCount;
    long rowWidth;
    const int *columns;
    long outputCount;
    long treeCount;
    const long *borderStarts;
    const float *borders;
    const unsigned char *missingAboveAll;
    const long *splitStarts;
    const int *splitFeatures;
    const unsigned short *splitCodes;
    const long *leafStarts;
    const double *leafValues;
    /// Nonzero when the forest has one output and no tree more than 64 leaves, and `leafStarts[t]` is `64 * t`.
    int leavesPaddedTo64;
} berth_oblivious_forest;

/// The scratch `berth_oblivious_margins` needs, in 16-bit words: `(featureCount + treeCount) * BERTH_OBLIVIOUS_BLOCK_ROWS`.
long berth_oblivious_scratch_count(const berth_oblivious_forest *forest);

/// Each row's sum of its leaves (trees in order, in double) into `margins`, `outputCount` per row; `rows` are
/// `rowCount` rows of `rowWidth` floats. Uses AVX-512, AVX2 or portable code, chosen once from the CPU.
void berth_oblivious_margins(const berth_oblivious_forest *forest, const float *rows, long rowCount,
                             unsigned short *scratch, double *margins);

/// The instruction set `berth_oblivious_margins` uses here: 2 AVX-512 (BW), 1 AVX2, 0 portable.
int berth_oblivious_isa(void);

/// The same with a given instruction set (0 portable, 1 AVX2+FMA, 2 AVX-512), for tests that check every path on one
/// machine. Returns 0, or -1 (nothing done) when this CPU lacks the instruction set.
int berth_oblivious_margins_using(int isa, const berth_oblivious_forest *forest, const float *rows, long rowCount,
                                  unsigned short *scratch, double *margins);

/// A node of a compact forest (berth_compact_forest.c says how it is walked): 8 bytes. A tree's nodes are
/// numbered from 0 (its root) with each node's children side by side, so a node keeps only its left child's slot.
/// The low 15 bits of `featureAndDefaultLeft` are the split feature; the top bit sends NaN left. A leaf has a NaN
/// threshold and its own slot minus 1 (modulo 2^16) as its left child, so it steps to itself; its value is in the
/// forest's `leafValues` at its slot.
typedef struct berth_compact_node {
    uint16_t featureAndDefaultLeft;
    uint16_t left;
    float threshold;
} berth_compact_node;

/// Walks the compact kernels keep in flight: rows down one tree, or trees of one row. Fewer independent chains of
/// loads leave the pipeline waiting; more gave nothing on the reference model (docs/performance.md).
#define BERTH_COMPACT_WALKS_AT_ONCE 8

#define BERTH_COMPACT_DEFAULT_LEFT 0x8000u
#define BERTH_COMPACT_FEATURE_MASK 0x7fffu
/// Features a compact forest can split on, and nodes a tree of it can hold (slots are 16 bits).
#define BERTH_COMPACT_MAX_FEATURES 32768
#define BERTH_COMPACT_MAX_TREE_NODES 65536

/// A summed forest of numerical splits in compact nodes. Tree t's nodes start at `nodes + treeStarts[t]` (its leaf
/// values at the same offset in `leafValues`); a walk of it takes `depths[t]` steps; its leaf adds to output
/// `groups[t]` of `groupCount`.
typedef struct berth_compact_forest {
    const berth_compact_node *nodes;
    const float *leafValues;
    const int32_t *treeStarts;
    const int32_t *depths;
    const int32_t *groups;
    long treeCount;
    long groupCount;
} berth_compact_forest;

/// Every row of a block down every tree, the trees outer (one tree's nodes stay in cache while the rows visit it)
/// and eight rows stepping together: adds each tree's leaf to `margins[row * groupCount + group]`, in tree order.
/// Row r's values start at `rows + r * stride`.
void berth_compact_forest_sum_rows(const berth_compact_forest *forest, const float *rows, long stride, long rowCount,
                                   float *margins);

/// One row down every tree, eight trees stepping together: adds each tree's leaf to `margins[group]`, in tree order.
void berth_compact_forest_sum_row(const berth_compact_forest *forest, const float *row, float *margins);

/// `berth_compact_forest_sum_rows` with vector gathers, one row a lane (berth_compact_forest_gathers.c): 2 AVX-512
/// (64 rows in flight; a block of 8 rows or fewer in AVX2's 8-row chains), 1 AVX2 (8-row chains). The same sums,
/// bit for bit. Returns 0, or -1 (nothing done) when this CPU (or build) lacks the instruction set or `stride` is
/// too large for 32-bit gather offsets (over 134 million).
int berth_compact_forest_sum_rows_using(int isa, const berth_compact_forest *forest, const float *rows, long stride,
                                        long rowCount, float *margins);

/// `berth_compact_forest_sum_row` with vector gathers, one tree a lane, 64 trees in flight (2 AVX-512, 1 AVX2). The
/// same sums, bit for bit. Returns 0, or -1 (nothing done) when this CPU (or build) lacks the instruction set.
int berth_compact_forest_sum_row_using(int isa, const berth_compact_forest *forest, const float *row, float *margins);

/// A node of a compact double-precision forest (LightGBM's numerical splits; berth_compact_double_forest.c): 16
/// bytes, children side by side as in `berth_compact_node`. A leaf has a NaN threshold, flags 0, and its own slot
/// minus 1 (modulo 2^16) as its left child; its value is in `leafValues` at its slot.
typedef struct berth_compact_double_node {
    double threshold;
    uint16_t feature;
    uint16_t left;
    uint8_t flags;
} berth_compact_double_node;

/// NaN goes left.
#define BERTH_COMPACT_NAN_LEFT 1u
/// Zero is a missing value (LightGBM's missing type Zero) and goes the way `BERTH_COMPACT_ZERO_LEFT` says.
#define BERTH_COMPACT_ZERO_IS_MISSING 2u
#define BERTH_COMPACT_ZERO_LEFT 4u

/// LightGBM's forest in compact double nodes. Tree t's nodes start at `nodes + treeStarts[t]` (its leaf values at
/// the same offset in `leafValues`), a walk of it takes `depths[t]` steps, and it adds to output `t % groupCount`.
typedef struct berth_compact_double_forest {
    const berth_compact_double_node *nodes;
    const double *leafValues;
    const int32_t *treeStarts;
    const int32_t *depths;
    long groupCount;
    /// Nonzero when some split treats zero as missing (`BERTH_COMPACT_ZERO_IS_MISSING`); without one, which is how
    /// LightGBM trains unless told `zero_as_missing`, the walks take a step with two cases instead of three.
    int hasMissingZeros;
} berth_compact_double_forest;

/// Trees `firstTree` up to `endTree`, every row of a block down each, eight rows at once: adds each tree's leaf to
/// `margins[row * groupCount + tree % groupCount]`, in tree order. Row r's values start at `rows + r * stride`.
void berth_compact_double_sum_rows(const berth_compact_double_forest *forest, long firstTree, long endTree,
                                   const double *rows, long stride, long rowCount, double *margins);

/// Trees `firstTree` up to `endTree` for one row, eight trees at once: adds each tree's leaf to
/// `margins[tree % groupCount]`, in tree order.
void berth_compact_double_sum_row(const berth_compact_double_forest *forest, long firstTree, long endTree,
                                  const double *row, double *margins);

/// `berth_compact_double_sum_rows` with vector gathers, a row a lane (berth_compact_double_forest_gathers.c): `isa` 2
/// AVX-512 (64 rows in flight), 1 AVX2 (32). The same sums, bit for bit, and faster from about 48 rows where gathers
/// are quick. Returns 0, or -1 (nothing done) for another `isa`, on a CPU without it, or for `stride` above 65,536.
int berth_compact_double_sum_rows_using(int isa, const berth_compact_double_forest *forest, long firstTree, long endTree,
                                        const double *rows, long stride, long rowCount, double *margins);

/// `berth_compact_double_sum_row` with vector gathers, a tree a lane: `isa` 2 AVX-512 (64 trees in flight), 1 AVX2
/// (32). The same sums, bit for bit. Returns 0, or -1 (nothing done) for another `isa` or on a CPU without it.
int berth_compact_double_sum_row_using(int isa, const berth_compact_double_forest *forest, long firstTree, long endTree,
                                       const double *row, double *margins);

#endif
