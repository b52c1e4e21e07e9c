import BerthCore

extension CUDAKernelSource {
    /// CatBoost forest margins, two ways (`ForestKernels` says which a batch takes): `berth_oblivious_forest_margins`,
    /// one thread per (row, output) building each tree's leaf index from float32 comparisons and adding that leaf's
    /// value for its output in double, tree after tree in file order; or `berth_oblivious_forest_leaves`, one thread
    /// per (tree, row) writing the index of its leaf (tree-major), then `berth_oblivious_forest_sums`, one thread per
    /// (row, output) adding those leaves' values in the same order.
    ///
    /// A split is a `uint2` (`CUDAObliviousForestModel.packedSplits`): the feature with `missingHoldsFlag` above it,
    /// and the border's float32 bits. Split `i` of a tree sets bit `i` of the leaf index when `value > border`; a
    /// NaN sets it exactly when the split says a missing value holds — the CPU kernel's rule. A tree is at most 16
    /// splits deep, so its leaf index fits an `int`. Each sum starts at 0 and adds the trees in the CPU kernel's
    /// order, so with `--fmad=false` the margins are its margins bit for bit, both ways; `margin · scale + bias` and
    /// the output transform run on the CPU afterwards.
    ///
    /// Every scalar parameter is 64 bits wide so the launch passes one uniform array of 8-byte arguments.
    public static let obliviousForest = CUDAKernelSource(
        name: "berth_oblivious_forest",
        entryPoints: ["berth_oblivious_forest_margins", "berth_oblivious_forest_leaves", "berth_oblivious_forest_sums"],
        code: """
        #define BERTH_OBLIVIOUS_MISSING_HOLDS \(CUDAObliviousForestModel.missingHoldsFlag)u
        #define BERTH_OBLIVIOUS_FEATURE_MASK \(CUDAObliviousForestModel.featureMask)u

        """ + #"""

        // The index of the leaf `row` reaches in the tree whose splits are `first..<last`.
        __device__ __forceinline__ int berth_oblivious_leaf(const uint2 *splits, long long first, long long last, const float *row)
        {
            int leaf = 0;
            for (long long split = first; split < last; ++split) {
                uint2 packed = __ldg(splits + split);
                float x = row[packed.x & BERTH_OBLIVIOUS_FEATURE_MASK];
                float border = __uint_as_float(packed.y);
                // A NaN compares false both ways, so `!(x <= border)` holds for it, and `x > border` does not.
                bool holds = (packed.x & BERTH_OBLIVIOUS_MISSING_HOLDS) ? !(x <= border) : x > border;
                if (holds) leaf |= 1 << (split - first);
            }
            return leaf;
        }

        extern "C" __global__ void berth_oblivious_forest_margins(
            const uint2 *splits, const long long *firstSplits, const long long *leafStarts, const double *leafValues,
            const float *rows, double *margins,
            long long rowCount, long long featureCount, long long outputCount, long long treeCount)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * outputCount) return;
            long long rowIndex = thread / outputCount;
            long long output = thread - rowIndex * outputCount;
            const float *row = rows + rowIndex * featureCount;
            double margin = 0.0;
            for (long long tree = 0; tree < treeCount; ++tree) {
                long long leaf = berth_oblivious_leaf(splits, __ldg(firstSplits + tree), __ldg(firstSplits + tree + 1), row);
                margin += __ldg(leafValues + __ldg(leafStarts + tree) + leaf * outputCount + output);
            }
            margins[thread] = margin;
        }

        // leaves[tree * rowCount + row]: the index of the leaf `row` reaches in tree `tree`.
        extern "C" __global__ void berth_oblivious_forest_leaves(
            const uint2 *splits, const long long *firstSplits, const float *rows, int *leaves,
            long long rowCount, long long featureCount, long long treeCount)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * treeCount) return;
            long long tree = thread / rowCount;
            long long rowIndex = thread - tree * rowCount;
            leaves[thread] = berth_oblivious_leaf(splits, __ldg(firstSplits + tree), __ldg(firstSplits + tree + 1),
                                                  rows + rowIndex * featureCount);
        }

        // margins[row * outputCount + output] from the leaf indices `berth_oblivious_forest_leaves` wrote.
        extern "C" __global__ void berth_oblivious_forest_sums(
            const long long *leafStarts, const double *leafValues, const int *leaves, double *margins,
            long long rowCount, long long outputCount, long long treeCount)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * outputCount) return;
            long long rowIndex = thread / outputCount;
            long long output = thread - rowIndex * outputCount;
            double margin = 0.0;
            for (long long tree = 0; tree < treeCount; ++tree) {
                long long leaf = __ldg(leaves + tree * rowCount + rowIndex);
                margin += __ldg(leafValues + __ldg(leafStarts + tree) + leaf * outputCount + output);
            }
            margins[thread] = margin;
        }
        """#
    )
}
