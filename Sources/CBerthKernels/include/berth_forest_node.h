#ifndef BERTH_FOREST_NODE_H
#define BERTH_FOREST_NODE_H

#include <stdint.h>

/// The packed tree node every tree walk reads: the Swift walks (`PackedForest.Node`), the C gather walk and the
/// CUDA kernel (whose source takes these values from Swift). This header is the one definition of the flag bits.
///
/// A node is 16 bytes: the split feature in the low 29 bits of `featureAndFlags` with the flags above it, the
/// threshold (or, for a leaf, its value already multiplied by the tree's weight), and the absolute indices of both
/// children in the forest's node array. A leaf points to itself on both sides, so a walk may step past a tree's
/// depth without changing anything.
typedef struct berth_forest_node {
    uint32_t featureAndFlags;
    float value;
    int32_t left;
    int32_t right;
} berth_forest_node;

/// The node is a leaf.
#define BERTH_NODE_LEAF 0x80000000u
/// A missing value (NaN) goes to the left child.
#define BERTH_NODE_DEFAULT_LEFT 0x40000000u
/// The split tests a category set, not a threshold.
#define BERTH_NODE_CATEGORICAL 0x20000000u
/// The split feature's index.
#define BERTH_NODE_FEATURE_MASK 0x1fffffffu
/// Category codes at or above this go left, like XGBoost's `InvalidCat`: float32 holds no larger integer exactly.
#define BERTH_NODE_MAX_CATEGORY 16777216

#endif
