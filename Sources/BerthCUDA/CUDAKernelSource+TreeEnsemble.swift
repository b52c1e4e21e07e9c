import BerthCore

extension CUDAKernelSource {
    /// Tree ensemble margins: one thread per (row, output group), walking that group's trees in file order.
    ///
    /// The node layout is `PackedForest.Node` byte for byte (feature and flags, threshold or leaf value, left,
    /// right; 16 bytes, one aligned vector load), and the split rule is the CPU kernel's: NaN takes the default
    /// branch, numerical splits go left when `x < threshold` in float32, categorical splits send listed codes
    /// right. Each thread adds its group's leaves in the order the CPU kernel does, starting from the base margin
    /// (or, for ONNX's vote combinations, from "no vote" and adding the base margin last), so with `--fmad=false`
    /// the margins are the CPU kernel's bit for bit. The output transform runs on the CPU afterwards.
    ///
    /// Every scalar parameter is 64 bits wide so the launch passes one uniform array of 8-byte arguments.
    public static let treeEnsemble = CUDAKernelSource(
        name: "berth_tree_ensemble",
        entryPoints: ["berth_tree_ensemble_margins"],
        code: treeDecision + #"""

        enum { BERTH_SUM = 0, BERTH_SUM_OF_VOTES = 1, BERTH_MINIMUM = 2, BERTH_MAXIMUM = 3 };

        __device__ __forceinline__ int berth_leaf(
            const uint4 *nodes, int index, const float *row,
            const int *categorySetOfNode, const int *categorySets, const unsigned int *categoryWords)
        {
            for (;;) {
                uint4 node = __ldg(nodes + index);
                if (node.x & BERTH_LEAF) return index;
                index = (int)(berth_goes_left(node, index, row, categorySetOfNode, categorySets, categoryWords) ? node.z : node.w);
            }
        }

        extern "C" __global__ void berth_tree_ensemble_margins(
            const uint4 *nodes, const int *treeRoots, const int *groupTreeStarts,
            const int *categorySetOfNode, const int *categorySets, const unsigned int *categoryWords,
            const float *baseMargins, const float *rows, float *margins,
            long long rowCount, long long featureCount, long long groupCount, long long combination)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * groupCount) return;
            long long rowIndex = thread / groupCount;
            int group = (int)(thread - rowIndex * groupCount);
            const float *row = rows + rowIndex * featureCount;
            int first = __ldg(groupTreeStarts + group);
            int last = __ldg(groupTreeStarts + group + 1);
            float base = __ldg(baseMargins + group);
            float margin;
            if (combination == BERTH_SUM) {
                margin = base;
                for (int tree = first; tree < last; ++tree) {
                    int leaf = berth_leaf(nodes, __ldg(treeRoots + tree), row, categorySetOfNode, categorySets, categoryWords);
                    margin += __uint_as_float(__ldg(nodes + leaf).y);
                }
            } else {
                margin = __int_as_float(0x7fc00000);
                for (int tree = first; tree < last; ++tree) {
                    int leaf = berth_leaf(nodes, __ldg(treeRoots + tree), row, categorySetOfNode, categorySets, categoryWords);
                    float vote = __uint_as_float(__ldg(nodes + leaf).y);
                    if (vote != vote) continue;
                    if (margin != margin) margin = vote;
                    else if (combination == BERTH_MINIMUM) margin = vote < margin ? vote : margin;
                    else if (combination == BERTH_MAXIMUM) margin = vote > margin ? vote : margin;
                    else margin += vote;
                }
                margin += base;
            }
            margins[thread] = margin;
        }
        """#
    )

    /// The decision at a split of a `PackedForest` node, which every kernel over XGBoost forests takes (the margins',
    /// TreeSHAP's): NaN takes the default branch, a categorical split sends the codes of its set right (codes at or
    /// above `PackedForest.maxCategory`, and negative ones, left, as XGBoost does), a numerical split goes left when
    /// `x < threshold` in float32. Guarded, so that the emulated driver, which compiles every kernel source into one
    /// file, defines it once.
    static let treeDecision = """
        #ifndef BERTH_TREE_DECISION
        #define BERTH_TREE_DECISION
        #define BERTH_LEAF \(PackedForest.leafFlag)u
        #define BERTH_DEFAULT_LEFT \(PackedForest.defaultLeftFlag)u
        #define BERTH_CATEGORICAL \(PackedForest.categoricalFlag)u
        #define BERTH_FEATURE_MASK \(PackedForest.featureMask)u
        #define BERTH_MAX_CATEGORY \(PackedForest.maxCategory).0f

        """ + #"""
        __device__ __forceinline__ bool berth_category_goes_right(
            float x, int node, const int *categorySetOfNode, const int *categorySets, const unsigned int *categoryWords)
        {
            if (!(x >= 0.0f) || x >= BERTH_MAX_CATEGORY) return false;
            int code = (int)x;
            int set = __ldg(categorySetOfNode + node);
            int offset = __ldg(categorySets + 2 * set);
            int count = __ldg(categorySets + 2 * set + 1);
            int word = code >> 5;
            if (word >= count) return false;
            return (__ldg(categoryWords + offset + word) & (1u << (code & 31))) != 0;
        }

        // Whether a row goes left at split `node` (node number `index`).
        __device__ __forceinline__ bool berth_goes_left(
            uint4 node, int index, const float *row,
            const int *categorySetOfNode, const int *categorySets, const unsigned int *categoryWords)
        {
            unsigned int flags = node.x;
            float x = row[flags & BERTH_FEATURE_MASK];
            if (x != x) return (flags & BERTH_DEFAULT_LEFT) != 0;
            if (flags & BERTH_CATEGORICAL) return !berth_category_goes_right(x, index, categorySetOfNode, categorySets, categoryWords);
            return x < __uint_as_float(node.y);
        }
        #endif

        """#
}
