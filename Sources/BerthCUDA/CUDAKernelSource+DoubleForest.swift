import BerthCore

extension CUDAKernelSource {
    /// LightGBM forest margins in double precision, two ways (`ForestKernels` says which a batch takes):
    /// `berth_double_forest_margins`, one thread per (row, output group) walking the trees of its group (tree `t`
    /// adds to group `t % groupCount`) in file order; or `berth_double_forest_leaves`, one thread per (tree, row)
    /// writing its leaf's value (tree-major), then `berth_double_forest_sums`, one thread per (row, group) adding its
    /// group's in the same order.
    ///
    /// The arrays are `PackedDoubleForest`'s, uploaded as they are: splits are `PackedDoubleSplit` byte for byte
    /// (threshold, feature, left, right, flags; 24 bytes), children a split `≥ 0` or `~leaf`. The rules are the
    /// CPU kernel's, which are LightGBM's: a value within ±`zeroThreshold` of zero is read as 0 (the forest's own,
    /// 0 for CatBoost's non-symmetric trees);
    /// numerical splits go left when `x <= threshold` in double, NaN by the split's missing-value flag, 0 to the
    /// default side where zero is missing; categorical splits send the codes in their bitset left; a linear leaf
    /// adds its terms to its constant unless a feature it reads is NaN. Each thread sums its group's leaves in
    /// double from 0 in the order the CPU kernel does, so with `--fmad=false` the margins are the CPU kernel's bit
    /// for bit, both ways; averaging (random forests) and the output transform run on the CPU afterwards.
    ///
    /// Every scalar parameter is 64 bits wide so the launch passes one uniform array of 8-byte arguments (the
    /// double `zeroThreshold` as its bit pattern).
    public static let doubleForest = CUDAKernelSource(
        name: "berth_double_forest",
        entryPoints: ["berth_double_forest_margins", "berth_double_forest_leaves", "berth_double_forest_sums"],
        code: """
        #define BERTH_DOUBLE_CATEGORICAL \(PackedDoubleForest.categoricalFlag)u
        #define BERTH_DOUBLE_NAN_GOES_LEFT \(PackedDoubleForest.nanGoesLeftFlag)u
        #define BERTH_DOUBLE_ZERO_IS_MISSING \(PackedDoubleForest.zeroIsMissingFlag)u
        #define BERTH_DOUBLE_DEFAULT_LEFT \(PackedDoubleForest.defaultLeftFlag)u
        #define BERTH_DOUBLE_SPLIT_BYTES \(MemoryLayout<PackedDoubleSplit>.stride)

        """ + #"""

        struct berth_double_split { double threshold; int feature; int left; int right; unsigned char flags; };
        static_assert(sizeof(berth_double_split) == BERTH_DOUBLE_SPLIT_BYTES, "PackedDoubleSplit's layout changed");

        __device__ __forceinline__ double berth_double_feature(const double *row, int feature, double zeroThreshold)
        {
            double x = row[feature];
            return fabs(x) <= zeroThreshold ? 0.0 : x;
        }

        // LightGBM's rule: the value truncated to an int (NaN and anything outside int's range never match).
        __device__ __forceinline__ bool berth_double_category_goes_left(
            double x, int split, const int *bitsetStarts, const int *bitsetCounts, const unsigned int *bitsetWords)
        {
            if (!(x > -1.0) || !(x < 2147483648.0)) return false;
            int code = (int)x;
            int word = code >> 5;
            if (word >= __ldg(bitsetCounts + split)) return false;
            return ((__ldg(bitsetWords + __ldg(bitsetStarts + split) + word) >> (code & 31)) & 1u) != 0;
        }

        __device__ __forceinline__ int berth_double_leaf(
            const berth_double_split *splits, int node, const double *row,
            const int *bitsetStarts, const int *bitsetCounts, const unsigned int *bitsetWords, double zeroThreshold)
        {
            while (node >= 0) {
                const berth_double_split *split = splits + node;
                unsigned int flags = __ldg(&split->flags);
                double x = berth_double_feature(row, __ldg(&split->feature), zeroThreshold);
                bool left;
                if (flags & BERTH_DOUBLE_CATEGORICAL) {
                    left = berth_double_category_goes_left(x, node, bitsetStarts, bitsetCounts, bitsetWords);
                } else {
                    left = x != x ? (flags & BERTH_DOUBLE_NAN_GOES_LEFT) != 0 : x <= __ldg(&split->threshold);
                    if (x == 0.0 && (flags & BERTH_DOUBLE_ZERO_IS_MISSING)) left = (flags & BERTH_DOUBLE_DEFAULT_LEFT) != 0;
                }
                node = left ? __ldg(&split->left) : __ldg(&split->right);
            }
            return ~node;
        }

        // A linear leaf's constant plus its terms, or the plain leaf value when a feature it reads is NaN.
        __device__ __forceinline__ double berth_double_linear_value(
            int leaf, const double *row, const double *leafValues, const double *leafConstants,
            const int *termStarts, const int *termCounts, const int *termFeatures, const double *termCoefficients,
            double zeroThreshold)
        {
            double output = __ldg(leafConstants + leaf);
            int first = __ldg(termStarts + leaf);
            int last = first + __ldg(termCounts + leaf);
            for (int term = first; term < last; ++term) {
                double x = berth_double_feature(row, __ldg(termFeatures + term), zeroThreshold);
                if (x != x) return __ldg(leafValues + leaf);
                output += __ldg(termCoefficients + term) * x;
            }
            return output;
        }

        // The value of the leaf `row` reaches in tree `tree`: its linear model where it has one.
        __device__ __forceinline__ double berth_double_tree_value(
            long long tree, const berth_double_split *splits, const int *roots, const unsigned char *linearTrees,
            const int *bitsetStarts, const int *bitsetCounts, const unsigned int *bitsetWords,
            const double *leafValues, const double *leafConstants, const int *termStarts, const int *termCounts,
            const int *termFeatures, const double *termCoefficients, const double *row, double zeroThreshold)
        {
            int leaf = berth_double_leaf(splits, __ldg(roots + tree), row, bitsetStarts, bitsetCounts, bitsetWords, zeroThreshold);
            return __ldg(linearTrees + tree)
                ? berth_double_linear_value(leaf, row, leafValues, leafConstants, termStarts, termCounts, termFeatures, termCoefficients,
                                            zeroThreshold)
                : __ldg(leafValues + leaf);
        }

        extern "C" __global__ void berth_double_forest_margins(
            const berth_double_split *splits, const int *roots, const unsigned char *linearTrees,
            const int *bitsetStarts, const int *bitsetCounts, const unsigned int *bitsetWords,
            const double *leafValues, const double *leafConstants, const int *termStarts, const int *termCounts,
            const int *termFeatures, const double *termCoefficients, const double *rows, double *margins,
            long long rowCount, long long featureCount, long long groupCount, long long treeCount, double zeroThreshold)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * groupCount) return;
            long long rowIndex = thread / groupCount;
            long long group = thread - rowIndex * groupCount;
            const double *row = rows + rowIndex * featureCount;
            double margin = 0.0;
            for (long long tree = group; tree < treeCount; tree += groupCount) {
                margin += berth_double_tree_value(tree, splits, roots, linearTrees, bitsetStarts, bitsetCounts, bitsetWords, leafValues,
                                                  leafConstants, termStarts, termCounts, termFeatures, termCoefficients, row, zeroThreshold);
            }
            margins[thread] = margin;
        }

        // leaves[tree * rowCount + row]: the value of the leaf `row` reaches in tree `tree`.
        extern "C" __global__ void berth_double_forest_leaves(
            const berth_double_split *splits, const int *roots, const unsigned char *linearTrees,
            const int *bitsetStarts, const int *bitsetCounts, const unsigned int *bitsetWords,
            const double *leafValues, const double *leafConstants, const int *termStarts, const int *termCounts,
            const int *termFeatures, const double *termCoefficients, const double *rows, double *leaves,
            long long rowCount, long long featureCount, long long treeCount, double zeroThreshold)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * treeCount) return;
            long long tree = thread / rowCount;
            long long rowIndex = thread - tree * rowCount;
            leaves[thread] = berth_double_tree_value(tree, splits, roots, linearTrees, bitsetStarts, bitsetCounts, bitsetWords, leafValues,
                                                     leafConstants, termStarts, termCounts, termFeatures, termCoefficients,
                                                     rows + rowIndex * featureCount, zeroThreshold);
        }

        // margins[row * groupCount + group] from the leaves `berth_double_forest_leaves` wrote.
        extern "C" __global__ void berth_double_forest_sums(
            const double *leaves, double *margins, long long rowCount, long long groupCount, long long treeCount)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * groupCount) return;
            long long rowIndex = thread / groupCount;
            long long group = thread - rowIndex * groupCount;
            double margin = 0.0;
            for (long long tree = group; tree < treeCount; tree += groupCount) margin += __ldg(leaves + tree * rowCount + rowIndex);
            margins[thread] = margin;
        }
        """#
    )
}
