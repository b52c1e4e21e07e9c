import BerthCore

extension CUDAKernelSource {
    /// CatBoost forest margins: one thread per (row, output), building each tree's leaf index from float32
    /// comparisons and adding that leaf's value for its output in double, tree after tree in file order.
    ///
    /// A split is a `uint2` (`CUDAObliviousForestModel.packedSplits`): the feature with `missingHoldsFlag` above it,
    /// and the border's float32 bits. Split `i` of a tree sets bit `i` of the leaf index when `value > border`; a
    /// NaN sets it exactly when the split says a missing value holds — the CPU kernel's rule. The sum starts at 0
    /// and adds the trees in the CPU kernel's order, so with `--fmad=false` the margins are its margins bit for bit;
    /// `margin · scale + bias` and the output transform run on the CPU afterwards.
    ///
    /// Every scalar parameter is 64 bits wide so the launch passes one uniform array of 8-byte arguments.
    public static let obliviousForest = CUDAKernelSource(
        name: "berth_oblivious_forest",
        entryPoints: ["berth_oblivious_forest_margins"],
        code: """
        #define BERTH_OBLIVIOUS_MISSING_HOLDS \(CUDAObliviousForestModel.missingHoldsFlag)u
        #define BERTH_OBLIVIOUS_FEATURE_MASK \(CUDAObliviousForestModel.featureMask)u

        """ + #"""

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
                long long first = __ldg(firstSplits + tree);
                long long last = __ldg(firstSplits + tree + 1);
                long long leaf = 0;
                for (long long split = first; split < last; ++split) {
                    uint2 packed = __ldg(splits + split);
                    float x = row[packed.x & BERTH_OBLIVIOUS_FEATURE_MASK];
                    float border = __uint_as_float(packed.y);
                    // A NaN compares false both ways, so `!(x <= border)` holds for it, and `x > border` does not.
                    bool holds = (packed.x & BERTH_OBLIVIOUS_MISSING_HOLDS) ? !(x <= border) : x > border;
                    if (holds) leaf |= 1LL << (split - first);
                }
                margin += __ldg(leafValues + __ldg(leafStarts + tree) + leaf * outputCount + output);
            }
            margins[thread] = margin;
        }
        """#
    )
}
