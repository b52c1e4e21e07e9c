import CBerthKernels

/// A tree ensemble repacked for the kernels (the CPU's, and the GPU's, which uploads it as is): every node of every tree in one contiguous array.
///
/// A node is 16 bytes — feature and flags, threshold (or leaf value, already multiplied by the tree's weight),
/// and absolute indices of both children — so a walk touches one cache line per level and never looks at Swift
/// arrays of arrays. A leaf points to itself on both sides, so the kernel can step every row of a block down a
/// tree a fixed number of times (the tree's depth) with no branch on "is this a leaf?". Categorical splits keep
/// their category sets as bitsets in `categoryWords`.
public struct PackedForest: Sendable {
    /// The layout of `berth_forest_node` (CBerthKernels' `berth_forest_node.h`), which the C and CUDA walks read.
    public struct Node: Sendable {
        /// Feature index in the low 29 bits; `leafFlag`, `defaultLeftFlag`, `categoricalFlag` above it.
        public var featureAndFlags: UInt32
        public var value: Float
        public var left: Int32
        public var right: Int32
    }

    // The flag bits are defined once, in berth_forest_node.h.
    public static let leafFlag = UInt32(BERTH_NODE_LEAF)
    public static let defaultLeftFlag = UInt32(BERTH_NODE_DEFAULT_LEFT)
    public static let categoricalFlag = UInt32(BERTH_NODE_CATEGORICAL)
    public static let featureMask = UInt32(BERTH_NODE_FEATURE_MASK)
    /// Category codes at or above this go left, like XGBoost's `InvalidCat` (float32 cannot hold larger integers exactly).
    public static let maxCategory = Int(BERTH_NODE_MAX_CATEGORY)
    /// Deeper trees are refused: real models are far shallower, and a hostile file must not make walks unbounded.
    public static let maxDepth = 4096

    public private(set) var nodes: [Node]
    public private(set) var roots: [Int32]
    public private(set) var groups: [Int32]
    /// Levels from root to deepest leaf, per tree: how many steps a walk takes.
    public private(set) var depths: [Int32]
    /// Whether any split of the tree is categorical (those trees take the slower step).
    public private(set) var hasCategorical: [Bool]
    /// For categorical nodes: the index into `categorySets`; -1 elsewhere.
    public private(set) var categorySetOfNode: [Int32]
    /// (first word, word count) of each category bitset.
    public private(set) var categorySets: [(offset: Int32, count: Int32)]
    public private(set) var categoryWords: [UInt32]

    /// Each node's cover (`DecisionTree.covers`), by node index, when every tree has them; empty otherwise.
    public private(set) var covers: [Float]

    public init(_ ensemble: TreeEnsemble) throws(ModelValidationError) {
        guard ensemble.trees.count == ensemble.treeGroups.count, ensemble.trees.count == ensemble.treeWeights.count else {
            throw ModelValidationError("the model lists \(ensemble.trees.count) trees but \(ensemble.treeGroups.count) tree groups")
        }
        guard ensemble.featureCount > 0, UInt32(clamping: ensemble.featureCount) <= Self.featureMask else {
            throw ModelValidationError("the model declares \(ensemble.featureCount) features")
        }
        nodes = []
        roots = []
        groups = []
        depths = []
        hasCategorical = []
        categorySetOfNode = []
        categorySets = []
        categoryWords = []
        covers = []
        let covered = ensemble.trees.allSatisfy { $0.covers?.count == $0.nodeCount }
        let nodeCount = ensemble.trees.reduce(0) { $0 + $1.nodeCount }
        // Each per-node array at its final size at once: grown by doubling, it would touch and copy twice the pages.
        nodes.reserveCapacity(nodeCount)
        categorySetOfNode.reserveCapacity(nodeCount)
        if covered { covers.reserveCapacity(nodeCount) }
        roots.reserveCapacity(ensemble.trees.count)
        groups.reserveCapacity(ensemble.trees.count)
        depths.reserveCapacity(ensemble.trees.count)
        hasCategorical.reserveCapacity(ensemble.trees.count)
        for (index, tree) in ensemble.trees.enumerated() {
            let group = ensemble.treeGroups[index]
            guard group >= 0, group < ensemble.groupCount else {
                throw ModelValidationError("tree \(index) adds to output group \(group), but the model has \(ensemble.groupCount)")
            }
            let depth = try validate(tree, index: index, featureCount: ensemble.featureCount)
            roots.append(Int32(nodes.count))
            groups.append(Int32(group))
            depths.append(Int32(depth))
            hasCategorical.append(!tree.categories.isEmpty)
            append(tree, weight: ensemble.treeWeights[index])
            if covered, let treeCovers = tree.covers { covers.append(contentsOf: treeCovers) }
        }
    }

    /// Checks that every child index is in range and that the nodes reachable from the root form a tree; returns
    /// the tree's depth.
    private func validate(_ tree: DecisionTree, index: Int, featureCount: Int) throws(ModelValidationError) -> Int {
        let count = tree.nodeCount
        guard count > 0, tree.rightChildren.count == count, tree.splitFeatures.count == count,
              tree.values.count == count, tree.defaultLeft.count == count else {
            throw ModelValidationError("tree \(index) has arrays of different lengths or no nodes")
        }
        var seen = [Bool](repeating: false, count: count)
        var stack: [(node: Int, depth: Int)] = [(0, 0)]
        seen[0] = true
        var deepest = 0
        while let (node, depth) = stack.popLast() {
            guard depth <= Self.maxDepth else {
                throw ModelValidationError("tree \(index) is deeper than \(Self.maxDepth) levels")
            }
            deepest = max(deepest, depth)
            let left = Int(tree.leftChildren[node])
            if left == -1 { continue }
            let right = Int(tree.rightChildren[node])
            for child in [left, right] {
                guard child > 0, child < count else {
                    throw ModelValidationError("tree \(index) node \(node) has child \(child), outside 0..<\(count)")
                }
                guard !seen[child] else {
                    throw ModelValidationError("tree \(index) node \(child) is reached twice (a cycle or shared node)")
                }
                seen[child] = true
                stack.append((child, depth + 1))
            }
            let feature = Int(tree.splitFeatures[node])
            guard feature >= 0, feature < featureCount else {
                throw ModelValidationError("tree \(index) node \(node) splits on feature \(feature), but the model has \(featureCount)")
            }
            guard !tree.values[node].isNaN else {
                throw ModelValidationError("tree \(index) node \(node) has a NaN threshold")
            }
        }
        for (node, codes) in tree.categories {
            guard node >= 0, node < count else {
                throw ModelValidationError("tree \(index) lists categories for node \(node), outside 0..<\(count)")
            }
            guard codes.allSatisfy({ $0 >= 0 && Int($0) < Self.maxCategory }) else {
                throw ModelValidationError("tree \(index) node \(node) has a category code outside 0..<\(Self.maxCategory)")
            }
        }
        return deepest
    }

    private mutating func append(_ tree: DecisionTree, weight: Float) {
        let base = Int32(nodes.count)
        for node in 0..<tree.nodeCount {
            let isLeaf = tree.leftChildren[node] == -1
            var flags: UInt32 = 0
            var value = tree.values[node]
            var setIndex: Int32 = -1
            if isLeaf {
                flags |= Self.leafFlag
                value *= weight
            } else {
                if tree.defaultLeft[node] { flags |= Self.defaultLeftFlag }
                if let codes = tree.categories[node] {
                    flags |= Self.categoricalFlag
                    setIndex = Int32(categorySets.count)
                    appendCategorySet(codes)
                }
            }
            // `validate` checked the children and feature of every node the root reaches; a node it does not reach is
            // never walked, and its unchecked children and feature are kept with wrapping arithmetic (the feature
            // masked, so that it sets no flag) rather than trusted.
            let feature = isLeaf ? 0 : UInt32(truncatingIfNeeded: tree.splitFeatures[node]) & Self.featureMask
            let selfIndex = base + Int32(node)
            nodes.append(Node(featureAndFlags: feature | flags, value: value,
                              left: isLeaf ? selfIndex : base &+ tree.leftChildren[node],
                              right: isLeaf ? selfIndex : base &+ tree.rightChildren[node]))
            categorySetOfNode.append(setIndex)
        }
    }

    private mutating func appendCategorySet(_ codes: [Int32]) {
        let wordCount = (Int(codes.max() ?? 0) >> 5) + 1
        var words = [UInt32](repeating: 0, count: wordCount)
        for code in codes { words[Int(code) >> 5] |= 1 << UInt32(code & 31) }
        categorySets.append((Int32(categoryWords.count), Int32(wordCount)))
        categoryWords.append(contentsOf: words)
    }
}
