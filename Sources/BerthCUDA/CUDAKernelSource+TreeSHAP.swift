import BerthCore

extension CUDAKernelSource {
    /// Exact path-dependent TreeSHAP of XGBoost forests (xgboost's `pred_contribs`), in GPUTreeShap's formulation:
    /// the forest's root-to-leaf paths extracted at load (`TreeSHAPPaths`), each (row, path) pair explained on its own.
    ///
    /// One thread per (row, path) pair. It decides, for each element of its path, whether the row follows it (every
    /// condition of the element taken by the split rule of the margins kernel, `treeDecision`, on the nodes of
    /// `PackedForest` as uploaded for predictions), runs EXTEND over the path's elements (`one` 1 or 0, the element's
    /// zero fraction), and for each element but the root's adds the unwound sum × (one − zero) × leaf value to the
    /// row's contribution of that element's feature in its output group: `phi[row][group][feature]`, `featureCount + 1`
    /// doubles per group, the last (the bias, which the host adds) untouched. Paths of a tree and trees of a group add
    /// to the same values, so the adds are atomic, in double: `atomicAdd` on double from compute 6.0, a
    /// compare-and-swap loop on older GPUs (NVRTC 12 still targets compute 5.x, and every kernel is compiled at
    /// start-up, so this one must compile wherever the others do). The adds land in any order, so a value may differ
    /// from the CPU's recursion (`TreeSHAPPath`) in its last bits.
    ///
    /// Threads are numbered path-major (`path · rowCount + row`): the 32 threads of a warp share a path (one set of
    /// broadcast loads, the same trip counts, no divergence but the rows' own decisions) and add to 32 different rows.
    ///
    /// GPUTreeShap itself gives each path a group of lanes of a warp, one lane per element, and exchanges the weights
    /// with warp shuffles, so EXTEND costs O(depth) steps per path rather than O(depth²) on one thread. Berth keeps one
    /// thread per pair and the weights in the thread's local memory (`BERTH_SHAP_MAX_PATH` doubles, 768 bytes for
    /// three arrays): the kernel is plain C that the emulated driver (Tests/EmulatedCUDA) runs thread by thread, as it
    /// runs every other kernel, and the algorithm is the CPU's, line for line. Warp-cooperative paths are the next
    /// step if the GPU's explanations prove too slow.
    ///
    /// Every scalar parameter is 64 bits wide so the launch passes one uniform array of 8-byte arguments.
    public static let treeSHAP = CUDAKernelSource(
        name: "berth_tree_shap",
        entryPoints: ["berth_tree_shap_contributions"],
        code: treeDecision + """
        #define BERTH_SHAP_MAX_PATH \(TreeSHAPPaths.maxPathLength)

        """ + #"""
        // EXTEND: adds element `depth` (fractions `zero` and `one`) to the subset weights of the elements before it.
        __device__ __forceinline__ void berth_shap_extend(double *weights, int depth, double zero, double one)
        {
            weights[depth] = depth == 0 ? 1.0 : 0.0;
            double size = (double)(depth + 1);
            for (int index = depth - 1; index >= 0; --index) {
                weights[index + 1] += one * weights[index] * (double)(index + 1) / size;
                weights[index] = zero * weights[index] * (double)(depth - index) / size;
            }
        }

        // The total weight of a path of `depth + 1` elements without the element whose fractions are `zero` and `one`.
        __device__ __forceinline__ double berth_shap_unwound_sum(const double *weights, int depth, double zero, double one)
        {
            double size = (double)(depth + 1), total = 0.0, next = weights[depth];
            if (one != 0.0) {
                for (int index = depth - 1; index >= 0; --index) {
                    double part = next * size / ((double)(index + 1) * one);
                    total += part;
                    next = weights[index] - part * zero * (double)(depth - index) / size;
                }
            } else if (zero != 0.0) {
                for (int index = depth - 1; index >= 0; --index) total += weights[index] * size / (zero * (double)(depth - index));
            }
            return total;
        }

        __device__ __forceinline__ void berth_shap_add(double *address, double value)
        {
        #if defined(__CUDA_ARCH__) && __CUDA_ARCH__ < 600
            unsigned long long *bits = (unsigned long long *)address;
            unsigned long long seen = *bits, expected;
            do {
                expected = seen;
                seen = atomicCAS(bits, expected, (unsigned long long)__double_as_longlong(__longlong_as_double((long long)expected) + value));
            } while (seen != expected);
        #else
            atomicAdd(address, value);
        #endif
        }

        extern "C" __global__ void berth_tree_shap_contributions(
            const uint4 *nodes, const int *categorySetOfNode, const int *categorySets, const unsigned int *categoryWords,
            const int *pathStarts, const int *pathGroups, const double *leafValues,
            const int *elementFeatures, const double *elementZeros, const int *conditionStarts, const int *conditions,
            const float *rows, double *phi, long long rowCount, long long pathCount, long long featureCount, long long groupCount)
        {
            long long thread = (long long)blockIdx.x * blockDim.x + threadIdx.x;
            if (thread >= rowCount * pathCount) return;
            long long path = thread / rowCount;
            long long rowIndex = thread - path * rowCount;
            const float *row = rows + rowIndex * featureCount;
            int first = __ldg(pathStarts + path);
            int length = __ldg(pathStarts + path + 1) - first;
            double zeros[BERTH_SHAP_MAX_PATH], ones[BERTH_SHAP_MAX_PATH], weights[BERTH_SHAP_MAX_PATH];
            for (int element = 0; element < length; ++element) {
                bool follows = true;
                int last = __ldg(conditionStarts + first + element + 1);
                for (int condition = __ldg(conditionStarts + first + element); condition < last; ++condition) {
                    int encoded = __ldg(conditions + condition);
                    int node = encoded >= 0 ? encoded : ~encoded;
                    bool left = berth_goes_left(__ldg(nodes + node), node, row, categorySetOfNode, categorySets, categoryWords);
                    follows = follows && left == (encoded >= 0);
                }
                zeros[element] = __ldg(elementZeros + first + element);
                ones[element] = follows ? 1.0 : 0.0;
                berth_shap_extend(weights, element, zeros[element], ones[element]);
            }
            double leaf = __ldg(leafValues + path);
            double *rowPhi = phi + (rowIndex * groupCount + __ldg(pathGroups + path)) * (featureCount + 1);
            for (int element = 1; element < length; ++element) {
                double weight = berth_shap_unwound_sum(weights, length - 1, zeros[element], ones[element]);
                berth_shap_add(rowPhi + __ldg(elementFeatures + first + element), weight * (ones[element] - zeros[element]) * leaf);
            }
        }
        """#
    )
}
