import CBerthKernels
import Synchronization

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
    /// The most 32-bit words all category bitsets may take together (64 MiB). A split's bitset spans its codes, from
    /// its smallest code's word to its largest's, so without a bound a few bytes naming codes 0 and 16,777,215
    /// would cost 2 MiB a split.
    public static let maxCategoryWords = 1 << 24

    public private(set) var nodes: [Node]
    public private(set) var roots: [Int32]
    public private(set) var groups: [Int32]
    /// Levels from root to deepest leaf, per tree: how many steps a walk takes.
    public private(set) var depths: [Int32]
    /// Whether any split of the tree is categorical (those trees take the slower step).
    public private(set) var hasCategorical: [Bool]
    /// For categorical nodes: the index into `categorySets`; -1 elsewhere; empty when no split is categorical (a
    /// walk reads it only at a node flagged categorical).
    public private(set) var categorySetOfNode: [Int32]
    /// Each category bitset: where its words start in `categoryWords`, the word its lowest code falls in (the words
    /// below it would all be zero and are not stored, so a set of a few high codes takes a word or two), and how
    /// many words it has.
    public private(set) var categorySets: [(offset: Int32, firstWord: Int32, count: Int32)]
    public private(set) var categoryWords: [UInt32]

    /// Each node's cover (`DecisionTree.covers`), by node index, when every tree has them; empty otherwise.
    public private(set) var covers: [Float]

    /// Packs `ensemble`, its trees checked and written on `parallelism`'s threads when it is large enough (each tree
    /// is independent, and its nodes go to their own range of `nodes`); the same forest on any number of threads.
    public init(_ ensemble: TreeEnsemble, parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws(ModelValidationError) {
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
        roots.reserveCapacity(ensemble.trees.count)
        groups.reserveCapacity(ensemble.trees.count)
        hasCategorical.reserveCapacity(ensemble.trees.count)
        // Groups and roots first, up to the first tree with a group out of range (or past `Int32.max` nodes): trees
        // before it are still checked, so a refusal names the first tree at fault, as when each was checked in turn.
        var stoppingFailure: ModelValidationError?
        var nodeCount = 0
        for (index, tree) in ensemble.trees.enumerated() {
            let group = ensemble.treeGroups[index]
            guard group >= 0, group < ensemble.groupCount else {
                stoppingFailure = ModelValidationError("tree \(index) adds to output group \(group), but the model has \(ensemble.groupCount)")
                break
            }
            guard let root = Int32(exactly: nodeCount), nodeCount + tree.nodeCount <= Int32.max else {
                stoppingFailure = ModelValidationError("the model has more than \(Int32.max) nodes")
                break
            }
            roots.append(root)
            groups.append(Int32(group))
            hasCategorical.append(!tree.categories.isEmpty)
            nodeCount += tree.nodeCount
        }
        // Every node written once into an array of its final size: appended one by one, each paid for the array's
        // uniqueness and capacity checks, the largest part of packing.
        let checked = roots.count, featureCount = ensemble.featureCount, treeRoots = roots, total = nodeCount
        var treeDepths = [Int32](repeating: 0, count: checked)
        let firstFailure = Mutex<(tree: Int, error: ModelValidationError)?>(nil)
        // The lowest tree refused so far, read before each tree: a chunk past it stops, since none of its trees can
        // be the first at fault (a hostile file's bad tree need not cost packing every tree after it).
        let earliestRefused = Atomic<Int>(Int.max)
        nodes = [Node](unsafeUninitializedCapacity: nodeCount) { buffer, initialized in
            let output = SendableMutablePointer(buffer.baseAddress)
            treeDepths.withUnsafeMutableBufferPointer { depthBuffer in
                let depthOutput = SendableMutablePointer(depthBuffer.baseAddress)
                parallelism.forEachChunk(count: checked, work: total) { range in
                    // The chunk's nodes from tree `index` on are zeroed, so that the whole array is initialised; the
                    // model is refused below.
                    func abandon(from index: Int) {
                        let start = Int(treeRoots[index])
                        let end = range.upperBound < checked ? Int(treeRoots[range.upperBound]) : total
                        (output.pointer! + start).initialize(repeating: Node(featureAndFlags: 0, value: 0, left: 0, right: 0),
                                                             count: end - start)
                    }
                    for index in range {
                        if earliestRefused.load(ordering: .relaxed) < index {
                            abandon(from: index)
                            return
                        }
                        let tree = ensemble.trees[index]
                        do throws(ModelValidationError) {
                            depthOutput.pointer![index] = Int32(try Self.validate(tree, index: index, featureCount: featureCount))
                            Self.pack(tree, weight: ensemble.treeWeights[index], root: treeRoots[index], into: output.pointer!)
                        } catch {
                            abandon(from: index)
                            firstFailure.withLock { first in
                                if first.map({ index < $0.tree }) ?? true { first = (index, error) }
                            }
                            var seen = earliestRefused.load(ordering: .relaxed)
                            while index < seen {
                                let (exchanged, original) = earliestRefused.compareExchange(expected: seen, desired: index, ordering: .relaxed)
                                if exchanged { break }
                                seen = original
                            }
                            return
                        }
                    }
                }
            }
            initialized = nodeCount
        }
        if let failure = firstFailure.withLock({ $0 }) { throw failure.error }
        if let stoppingFailure { throw stoppingFailure }
        depths = treeDepths
        categorySetOfNode = hasCategorical.contains(true) ? [Int32](repeating: -1, count: nodeCount) : []
        for (index, tree) in ensemble.trees.enumerated() where hasCategorical[index] {
            try markCategorical(tree, index: index, root: Int(roots[index]))
        }
        if covered {
            covers.reserveCapacity(nodeCount)
            for tree in ensemble.trees { covers.append(contentsOf: tree.covers ?? []) }
        }
    }

    /// Checks that every child index is in range and that the nodes reachable from the root form a tree; returns
    /// the tree's depth.
    private static func validate(_ tree: DecisionTree, index: Int, featureCount: Int) throws(ModelValidationError) -> Int {
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
            for side in 0..<2 {
                let child = side == 0 ? left : right
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

    /// Writes `tree`'s nodes into `nodes` from `root` on, children as absolute indices; categorical splits are
    /// flagged afterwards (`markCategorical`).
    private static func pack(_ tree: DecisionTree, weight: Float, root: Int32, into nodes: UnsafeMutablePointer<Node>) {
        for node in 0..<tree.nodeCount {
            let isLeaf = tree.leftChildren[node] == -1
            let selfIndex = root + Int32(node)
            let packed: Node
            if isLeaf {
                packed = Node(featureAndFlags: leafFlag, value: tree.values[node] * weight, left: selfIndex, right: selfIndex)
            } else {
                // `validate` checked the children and feature of every node the root reaches; a node it does not
                // reach is never walked, and its unchecked children and feature are kept with wrapping arithmetic
                // (the feature masked, so that it sets no flag) rather than trusted.
                let feature = UInt32(truncatingIfNeeded: tree.splitFeatures[node]) & featureMask
                packed = Node(featureAndFlags: feature | (tree.defaultLeft[node] ? defaultLeftFlag : 0), value: tree.values[node],
                              left: root &+ tree.leftChildren[node], right: root &+ tree.rightChildren[node])
            }
            (nodes + Int(selfIndex)).initialize(to: packed)
        }
    }

    /// Flags the categorical splits of the tree packed at `root` and stores their category sets, in node order;
    /// refuses the model once its sets pass `maxCategoryWords` in all.
    private mutating func markCategorical(_ tree: DecisionTree, index: Int, root: Int) throws(ModelValidationError) {
        for (node, codes) in tree.categories.sorted(by: { $0.key < $1.key }) where tree.leftChildren[node] != -1 {
            let firstWord = Int(codes.min() ?? 0) >> 5
            let wordCount = (Int(codes.max() ?? 0) >> 5) - firstWord + 1
            guard wordCount <= Self.maxCategoryWords - categoryWords.count else {
                throw ModelValidationError("tree \(index) takes the model's category sets past \(Self.maxCategoryWords >> 18) MiB "
                                           + "(a split's set takes a bit for every code from its smallest to its largest); "
                                           + "recode the categories so that each feature's codes lie closer together")
            }
            nodes[root + node].featureAndFlags |= Self.categoricalFlag
            categorySetOfNode[root + node] = Int32(categorySets.count)
            appendCategorySet(codes, firstWord: firstWord, wordCount: wordCount)
        }
    }

    private mutating func appendCategorySet(_ codes: [Int32], firstWord: Int, wordCount: Int) {
        var words = [UInt32](repeating: 0, count: wordCount)
        for code in codes { words[(Int(code) >> 5) - firstWord] |= 1 << UInt32(code & 31) }
        categorySets.append((Int32(categoryWords.count), Int32(firstWord), Int32(wordCount)))
        categoryWords.append(contentsOf: words)
    }
}
