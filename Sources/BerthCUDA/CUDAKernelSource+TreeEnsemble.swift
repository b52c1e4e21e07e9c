import BerthCore

extension CUDAKernelSource {
    /// Tree ensemble margins, two ways, in the order the CPU kernel adds them.
    ///
    /// - `berth_tree_ensemble_margins`: one thread per (row, output group) walks that group's trees in file order.
    ///   A thread walks every tree one after another, so a batch takes at least one whole row's time (about 1 ms
    ///   for 500 trees of depth 8 on an H200): the kernel for batches that fill the GPU.
    /// - `berth_tree_ensemble_leaves` then `berth_tree_ensemble_sums`: one thread per (tree, row) walks one tree and
    ///   writes its leaf value (tree-major, so a warp holds 32 rows of one tree, as in the first kernel, and the sums
    ///   read whole lines); then one thread per (row, output group) combines its group's leaves in file order. The
    ///   kernels for batches too small to fill the GPU a thread per row (`ForestKernels`).
    ///
    /// The node layout is `PackedForest.Node` byte for byte (feature and flags, threshold or leaf value, left,
    /// right; 16 bytes, one aligned vector load), and the split rule is the CPU kernel's: NaN takes the default
    /// branch, numerical splits go left when `x < threshold` in float32, categorical splits send listed codes
    /// right. Both ways add a group's leaves in the order the CPU kernel does, starting from the base margin
    /// (or, for ONNX's vote combinations, from "no vote" and adding the base margin last), with the same three
    /// functions, so with `--fmad=false` the margins are the CPU kernel's bit for bit. The output transform runs on
    /// the CPU afterwards.
    ///
    /// Every scalar parameter is 64 bits wide so the launch passes one uniform array of 8-byte arguments.
    public static let treeEnsemble = CUDAKernelSource(
        name: "berth_tree_ensemble",
        entryPoints: ["berth_tree_ensemble_margins", "berth_tree_ensemble_leaves", "berth_tree_ensemble_sums"],
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

        // A group's margin before its first leaf: the base margin for sums, "no vote yet" (NaN) for the others.
        __device__ __forceinline__ float berth_first_margin(float base, long long combination)
        {
            return combination == BERTH_SUM ? base : __int_as_float(0x7fc00000);
        }

        // The margin after one more leaf; a vote combination skips NaN votes and takes the first vote as it is.
        __device__ __forceinline__ float berth_combine(float margin, float vote, long long combination)
        {
            if (combination == BERTH_SUM) return margin + vote;
            if (vote != vote) return margin;
            if (margin != margin) return vote;
            if (combination == BERTH_MINIMUM) return vote < margin ? vote : margin;
            if (combination == BERTH_MAXIMUM) return vote > margin ? vote : margin;
            return margin + vote;
        }

        // The margin after the last leaf: a vote combination adds the base margin last.
        __device__ __forceinline__ float berth_last_margin(float margin, float base, long long combination)
        {
            return combination == BERTH_SUM ? margin : margin + base;
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
            int last = __ldg(groupTreeStarts + group + 1);
            float base = __ldg(baseMargins + group);
            float margin = berth_first_margin(base, combination);
            for (int tree = __ldg(groupTreeStarts + group); tree < last; ++tree) {
                int leaf = berth_leaf(nodes, __ldg(treeRoots + tree), row, categorySetOfNode, categorySets, categoryWords);
                margin = berth_combine(margin, __uint_as_float(__ldg(nodes + leaf).y), combination);
            }
            margins[thread] = berth_last_margin(margin, base, combination);
        }

        // leaves[tree * rowCount + row]: the value of the leaf `row` reaches in tree `tree` (trees in the order of
        // treeRoots, grouped by output group).
        extern "C" __global__ void berth_tree_ensemble_leaves(
            const uint4 *nodes, const int *treeRoots,
            const int *categorySetOfNode, const int *categorySets, const unsigned int *categoryWords,
            const float *rows, float *leaves, long long rowCount, long long featureCount, long long treeCount)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * treeCount) return;
            long long tree = thread / rowCount;
            long long rowIndex = thread - tree * rowCount;
            int leaf = berth_leaf(nodes, __ldg(treeRoots + tree), rows + rowIndex * featureCount,
                                  categorySetOfNode, categorySets, categoryWords);
            leaves[thread] = __uint_as_float(__ldg(nodes + leaf).y);
        }

        // margins[row * groupCount + group] from the leaves `berth_tree_ensemble_leaves` wrote.
        extern "C" __global__ void berth_tree_ensemble_sums(
            const float *leaves, const int *groupTreeStarts, const float *baseMargins, float *margins,
            long long rowCount, long long groupCount, long long combination)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * groupCount) return;
            long long rowIndex = thread / groupCount;
            int group = (int)(thread - rowIndex * groupCount);
            int last = __ldg(groupTreeStarts + group + 1);
            float base = __ldg(baseMargins + group);
            float margin = berth_first_margin(base, combination);
            for (int tree = __ldg(groupTreeStarts + group); tree < last; ++tree) {
                margin = berth_combine(margin, __ldg(leaves + (long long)tree * rowCount + rowIndex), combination);
            }
            margins[thread] = berth_last_margin(margin, base, combination);
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
            int offset = __ldg(categorySets + 3 * set);
            int word = (code >> 5) - __ldg(categorySets + 3 * set + 1);
            int count = __ldg(categorySets + 3 * set + 2);
            if (word < 0 || word >= count) return false;
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
