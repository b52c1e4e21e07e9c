// LightGBM's trees walked in double precision, eight walks at once: the double-precision twin of
// berth_compact_forest.c (which says why eight at once, and how children side by side make a node small).
//
// The decision is LightGBM's numerical one with its missing-value rules folded into the flags at load: NaN goes
// the way `BERTH_COMPACT_NAN_LEFT` says, a zero where zero is missing goes the default way, anything else left when
// x <= threshold (in double). A leaf's threshold is NaN and its flags are 0, so every value goes right, to the slot
// after its left child: itself.
#include "berth_kernels.h"

#define WALKS_AT_ONCE BERTH_COMPACT_WALKS_AT_ONCE

static inline uint32_t step(const berth_compact_double_node *tree, uint32_t slot, const double *row) {
    const berth_compact_double_node node = tree[slot];
    const double x = row[node.feature];
    const uint32_t flags = node.flags;
    // Three cases that exclude each other, combined without branches: NaN (never <= anything), a zero that is
    // missing, and every other value.
    const uint32_t missingZero = (uint32_t)(x == 0) & (flags >> 1);
    const uint32_t left = ((uint32_t)(x <= node.threshold) & ~missingZero) | ((uint32_t)(x != x) & flags)
        | (missingZero & (flags >> 2));
    return (uint16_t)(node.left + ((left & 1u) ^ 1u));
}

// The same decision in a forest where no split treats zero as missing: NaN and every other value, two cases.
static inline uint32_t step_without_missing_zeros(const berth_compact_double_node *tree, uint32_t slot, const double *row) {
    const berth_compact_double_node node = tree[slot];
    const double x = row[node.feature];
    const uint32_t left = (uint32_t)(x <= node.threshold) | ((uint32_t)(x != x) & node.flags);
    return (uint16_t)(node.left + ((left & 1u) ^ 1u));
}

// The same decision with the rare cases (NaN, a missing zero) as branches the CPU predicts: a shorter chain of
// dependent operations, which is what one row's walks wait on; many rows' walks (above) are bound by the number of
// operations instead, and take the branch-free step.
static inline uint32_t step_of_one_row(const berth_compact_double_node *tree, uint32_t slot, const double *row) {
    const berth_compact_double_node node = tree[slot];
    const double x = row[node.feature];
    uint32_t left = x <= node.threshold;
    if (x != x) left = node.flags & BERTH_COMPACT_NAN_LEFT;
    if (x == 0 && (node.flags & BERTH_COMPACT_ZERO_IS_MISSING)) left = (node.flags & BERTH_COMPACT_ZERO_LEFT) != 0;
    return (uint16_t)(node.left + (left ^ 1u));
}

// Every row of the block down trees `firstTree` up to `endTree`; `missingZeros` is a constant at each call, so each
// call site is compiled with its own step. The eight walks are unrolled so that their slots stay in registers: left
// to itself clang kept them in an array on the stack, and the walks ran at 0.8 × (three cases) and 0.54 × (two).
static inline __attribute__((always_inline)) void sum_rows(const berth_compact_double_forest *forest, long firstTree,
                                                           long endTree, const double *rows, long stride, long rowCount,
                                                           double *margins, const int missingZeros) {
    const long groups = forest->groupCount;
    for (long tree = firstTree; tree < endTree; tree++) {
        const berth_compact_double_node *nodes = forest->nodes + forest->treeStarts[tree];
        const double *leafValues = forest->leafValues + forest->treeStarts[tree];
        const long depth = forest->depths[tree];
        double *margin = margins + tree % groups;
        long row = 0;
        for (; row + WALKS_AT_ONCE <= rowCount; row += WALKS_AT_ONCE) {
            const double *block = rows + row * stride;
            uint32_t slot[WALKS_AT_ONCE] = {0};
            for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full)
                for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
                    slot[walk] = missingZeros ? step(nodes, slot[walk], block + walk * stride)
                                              : step_without_missing_zeros(nodes, slot[walk], block + walk * stride);
                }
            }
            for (int walk = 0; walk < WALKS_AT_ONCE; walk++) margin[(row + walk) * groups] += leafValues[slot[walk]];
        }
        for (; row < rowCount; row++) {
            uint32_t slot = 0;
            for (long level = 0; level < depth; level++) {
                slot = missingZeros ? step(nodes, slot, rows + row * stride)
                                    : step_without_missing_zeros(nodes, slot, rows + row * stride);
            }
            margin[row * groups] += leafValues[slot];
        }
    }
}

void berth_compact_double_sum_rows(const berth_compact_double_forest *forest, long firstTree, long endTree,
                                   const double *rows, long stride, long rowCount, double *margins) {
    if (forest->hasMissingZeros) {
        sum_rows(forest, firstTree, endTree, rows, stride, rowCount, margins, 1);
    } else {
        sum_rows(forest, firstTree, endTree, rows, stride, rowCount, margins, 0);
    }
}

void berth_compact_double_sum_row(const berth_compact_double_forest *forest, long firstTree, long endTree,
                                  const double *row, double *margins) {
    const long groups = forest->groupCount;
    long first = firstTree;
    for (; first + WALKS_AT_ONCE <= endTree; first += WALKS_AT_ONCE) {
        uint32_t slot[WALKS_AT_ONCE] = {0};
        long depth = 0;
        for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
            if (forest->depths[first + walk] > depth) depth = forest->depths[first + walk];
        }
        for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // as in sum_rows: the slots in registers (0.8 × without)
            for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
                slot[walk] = step_of_one_row(forest->nodes + forest->treeStarts[first + walk], slot[walk], row);
            }
        }
        for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
            margins[(first + walk) % groups] += forest->leafValues[forest->treeStarts[first + walk] + slot[walk]];
        }
    }
    for (long tree = first; tree < endTree; tree++) {
        uint32_t slot = 0;
        for (long level = 0; level < forest->depths[tree]; level++) slot = step_of_one_row(forest->nodes + forest->treeStarts[tree], slot, row);
        margins[tree % groups] += forest->leafValues[forest->treeStarts[tree] + slot];
    }
}
