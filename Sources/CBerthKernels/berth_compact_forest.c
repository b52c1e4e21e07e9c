// The tree kernel's walk in plain C: a forest of numerical splits in 8-byte nodes, many walks in flight at once.
//
// A walk is a chain of dependent loads (node, then the row's value, then the next node), so one walk at a time
// waits on memory at every level. Here eight walks step together — eight rows down one tree, or one row down eight
// trees — so their loads overlap, and each step is a compare and an add instead of a branch. The nodes are half
// the size of the packed forest's because children sit side by side: a node keeps only its left child's slot, and
// the step adds 1 to go right. The decision is the packed forest's, bit for bit: left when x < threshold (ordered,
// so NaN compares false) or when x is NaN and the node sends NaN left. A leaf's threshold is NaN and its left
// child is the slot before it, so it steps to itself: walks of any depth end on their leaf.
#include "berth_kernels.h"

#define WALKS_AT_ONCE BERTH_COMPACT_WALKS_AT_ONCE

static inline uint32_t step(const berth_compact_node *tree, uint32_t slot, const float *row) {
    const berth_compact_node node = tree[slot];
    const float x = row[node.featureAndDefaultLeft & BERTH_COMPACT_FEATURE_MASK];
    const uint32_t left = (x < node.threshold) | ((x != x) & (node.featureAndDefaultLeft >> 15));
    return (uint16_t)(node.left + (left ^ 1u));
}

// The same decision with NaN as a branch the CPU predicts: a shorter chain of dependent operations, which is what
// one row's walks wait on; many rows' walks are bound by the number of operations instead, and take `step`.
static inline uint32_t step_of_one_row(const berth_compact_node *tree, uint32_t slot, const float *row) {
    const berth_compact_node node = tree[slot];
    const float x = row[node.featureAndDefaultLeft & BERTH_COMPACT_FEATURE_MASK];
    uint32_t left = x < node.threshold;
    if (x != x) left = node.featureAndDefaultLeft >> 15;
    return (uint16_t)(node.left + (left ^ 1u));
}

void berth_compact_forest_sum_rows(const berth_compact_forest *forest, const float *rows, long stride, long rowCount,
                                   float *margins) {
    const long groups = forest->groupCount;
    for (long tree = 0; tree < forest->treeCount; tree++) {
        const berth_compact_node *nodes = forest->nodes + forest->treeStarts[tree];
        const float *leafValues = forest->leafValues + forest->treeStarts[tree];
        const long depth = forest->depths[tree];
        float *margin = margins + forest->groups[tree];
        long row = 0;
        for (; row + WALKS_AT_ONCE <= rowCount; row += WALKS_AT_ONCE) {
            const float *block = rows + row * stride;
            uint32_t slot[WALKS_AT_ONCE] = {0};
            for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // the slots in registers, not an array on the stack (berth_compact_double_forest.c)
                for (int walk = 0; walk < WALKS_AT_ONCE; walk++) slot[walk] = step(nodes, slot[walk], block + walk * stride);
            }
            for (int walk = 0; walk < WALKS_AT_ONCE; walk++) margin[(row + walk) * groups] += leafValues[slot[walk]];
        }
        for (; row < rowCount; row++) {
            uint32_t slot = 0;
            for (long level = 0; level < depth; level++) slot = step(nodes, slot, rows + row * stride);
            margin[row * groups] += leafValues[slot];
        }
    }
}

void berth_compact_forest_sum_row(const berth_compact_forest *forest, const float *row, float *margins) {
    long first = 0;
    for (; first + WALKS_AT_ONCE <= forest->treeCount; first += WALKS_AT_ONCE) {
        uint32_t slot[WALKS_AT_ONCE] = {0};
        long depth = 0;
        for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
            if (forest->depths[first + walk] > depth) depth = forest->depths[first + walk];
        }
        for (long level = 0; level < depth; level++) {
#pragma clang loop unroll(full) // as above
            for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
                slot[walk] = step_of_one_row(forest->nodes + forest->treeStarts[first + walk], slot[walk], row);
            }
        }
        for (int walk = 0; walk < WALKS_AT_ONCE; walk++) {
            margins[forest->groups[first + walk]] += forest->leafValues[forest->treeStarts[first + walk] + slot[walk]];
        }
    }
    for (long tree = first; tree < forest->treeCount; tree++) {
        uint32_t slot = 0;
        for (long level = 0; level < forest->depths[tree]; level++) slot = step_of_one_row(forest->nodes + forest->treeStarts[tree], slot, row);
        margins[forest->groups[tree]] += forest->leafValues[forest->treeStarts[tree] + slot];
    }
}
