import BerthCore

/// Every root-to-leaf path of an XGBoost forest, extracted once, when contributions are first asked for, for the GPU
/// TreeSHAP kernel (`CUDAKernelSource.treeSHAP`): GPUTreeShap's formulation of exact path-dependent TreeSHAP (Mitchell, Frank and
/// Holmes, "GPUTreeShap: massively parallel exact calculation of SHAP scores for tree ensembles", 2022), in which
/// each path is explained on its own, so a GPU thread needs no recursion and no stack of paths.
///
/// A path holds one element per feature it splits on, after the root's element (feature -1, zero fraction 1,
/// always followed), in the order the features are first split on. An element's zero fraction is the share of the
/// training cover that follows the path's branches on that feature (`cover(child) / cover(parent)`, multiplied
/// together when the feature is split on again further down: the repeated-feature merging that the CPU's recursion
/// does by unwinding, `TreeSHAPPath`); its conditions are those splits, each a node of `PackedForest.nodes` and the
/// branch the path takes there, so the kernel decides each with the prediction kernel's own rule (float32
/// `x < threshold`, NaN by the default-left flag, categories by the node's set) and follows the element when it
/// takes every one of them. Trees that are one leaf have no path: they add only to the bias, which the host adds.
///
/// Paths repeat the nodes they share — a forest of `L` leaves at depth `d` holds about `L · d` conditions where
/// the packed forest holds `2L` nodes — which is acceptable because the arrays are uploaded once and are the price of
/// a kernel in which every (row, path) pair is independent. Memory is bounded: a path of more than
/// `maxPathLength` elements, or a forest of more than `limits.maxConditions` conditions, is refused
/// (`Refusal`), and that model's contributions stay on the CPU.
struct TreeSHAPPaths: Sendable {
    /// Elements of one path, the root's included: the size of the kernel's per-thread arrays
    /// (`BERTH_SHAP_MAX_PATH`). Real XGBoost trees split on far fewer distinct features along one path (the default
    /// `max_depth` is 6).
    static let maxPathLength = 32

    /// How large a forest's paths may grow.
    struct Limits: Sendable {
        /// Split conditions over all paths: 2^23 by default. With its share of elements and paths a condition costs
        /// about 24 bytes of device memory on paths of depth 8 and at most 52 (paths of one split), so the paths of
        /// a forest take at most 436 MB; an XGBoost model of 1,000 trees of depth 8 holds 2M conditions (50 MB).
        var maxConditions = 1 << 23
    }

    /// Why a forest's paths stay off the GPU: the path or the forest is larger than the kernel takes.
    struct Refusal: Error, Sendable, Equatable {
        let reason: String
    }

    /// Path `p`'s elements are `pathStarts[p] ..< pathStarts[p + 1]`.
    private(set) var pathStarts: [Int32] = [0]
    /// Each path's output group (its tree's).
    private(set) var pathGroups: [Int32] = []
    /// Each path's leaf value (DART's weight already applied, as in `PackedForest`).
    private(set) var leafValues: [Double] = []
    /// Each element's feature; -1 for a path's first, the root's.
    private(set) var elementFeatures: [Int32] = []
    /// Each element's zero fraction.
    private(set) var elementZeros: [Double] = []
    /// Element `e`'s conditions are `conditionStarts[e] ..< conditionStarts[e + 1]`.
    private(set) var conditionStarts: [Int32] = [0]
    /// A split node's index when the path goes left there, its complement (`~node`, negative) when it goes right.
    private(set) var conditions: [Int32] = []

    var pathCount: Int { pathGroups.count }

    /// The paths of `forest`, which must have covers.
    init(_ forest: PackedForest, limits: Limits = Limits()) throws(Refusal) {
        precondition(!forest.covers.isEmpty, "TreeSHAP paths need the forest's covers")
        // The splits from the root to the node being visited, with the branch taken at each.
        var trail = [(node: Int32, left: Bool)]()
        // The element each split of `trail` belongs to, for the leaf being written.
        var elementOfSplit = [Int]()
        var features = [Int32]()
        for (tree, root) in forest.roots.enumerated() {
            var stack: [(node: Int32, depth: Int, parent: Int32, left: Bool)] = [(root, 0, -1, false)]
            while let (node, depth, parent, left) = stack.popLast() {
                trail.removeLast(trail.count - max(depth - 1, 0))
                if depth > 0 { trail.append((parent, left)) }
                let packed = forest.nodes[Int(node)]
                if packed.featureAndFlags & PackedForest.leafFlag == 0 {
                    stack.append((packed.right, depth + 1, node, false))
                    stack.append((packed.left, depth + 1, node, true))
                    continue
                }
                guard !trail.isEmpty else { continue }
                guard conditions.count + trail.count <= limits.maxConditions else {
                    throw Refusal(reason: "its TreeSHAP paths hold more than \(limits.maxConditions) split conditions")
                }
                // The path's features in the order they are first split on, the root's first.
                features = [-1]
                elementOfSplit.removeAll(keepingCapacity: true)
                for split in trail {
                    let feature = Int32(forest.nodes[Int(split.node)].featureAndFlags & PackedForest.featureMask)
                    if let element = features.firstIndex(of: feature) {
                        elementOfSplit.append(element)
                    } else {
                        guard features.count < Self.maxPathLength else {
                            throw Refusal(reason: "a path of tree \(tree) splits on more than \(Self.maxPathLength - 1) distinct features")
                        }
                        elementOfSplit.append(features.count)
                        features.append(feature)
                    }
                }
                for (element, feature) in features.enumerated() {
                    var zero = 1.0
                    for (index, split) in trail.enumerated() where elementOfSplit[index] == element {
                        let packed = forest.nodes[Int(split.node)]
                        let child = split.left ? packed.left : packed.right
                        zero = Double(forest.covers[Int(child)]) / Double(forest.covers[Int(split.node)]) * zero
                        conditions.append(split.left ? split.node : ~split.node)
                    }
                    elementFeatures.append(feature)
                    elementZeros.append(zero)
                    conditionStarts.append(Int32(conditions.count))
                }
                pathStarts.append(Int32(elementFeatures.count))
                pathGroups.append(forest.groups[tree])
                leafValues.append(Double(packed.value))
            }
        }
    }
}
