/// A `DoubleForest` validated and laid out for walking (by the CPU kernel, and by the GPU's, which uploads it as
/// is): every tree's splits (one 24-byte `PackedDoubleSplit` each, so a step touches one cache line), leaves,
/// category bitsets and linear-leaf terms in shared flat arrays, children numbered across the whole forest.
public struct PackedDoubleForest: Sendable {
    /// Flag bits of a split, with LightGBM's missing-value rules resolved at packing: a categorical split; where
    /// NaN goes (missing type NaN or zero: the default way; none: NaN is read as 0 and compared); whether 0 is
    /// missing (missing type zero); and the default way.
    public static let categoricalFlag: UInt8 = 1
    public static let nanGoesLeftFlag: UInt8 = 2
    public static let zeroIsMissingFlag: UInt8 = 4
    public static let defaultLeftFlag: UInt8 = 8

    public let groupCount: Int
    /// Per tree: the root, a split index `≥ 0` or `~leaf` for a tree of one leaf; and whether its leaves are linear.
    public let roots: [Int32]
    public let linearTrees: [Bool]
    /// Per tree: levels from the root to its deepest leaf (how many steps a walk takes).
    public let depths: [Int32]
    public let splits: [PackedDoubleSplit]
    /// Per split: where its category bitset starts in `bitsetWords` and how many words it has (0 for numerical).
    public let bitsetStarts: [Int32]
    public let bitsetCounts: [Int32]
    public let bitsetWords: [UInt32]
    public let leafValues: [Double]
    /// Per leaf of a linear tree: its constant and its terms' range in `termFeatures`/`termCoefficients`.
    public let leafConstants: [Double]
    public let termStarts: [Int32]
    public let termCounts: [Int32]
    public let termFeatures: [Int32]
    public let termCoefficients: [Double]
    /// Per tree: its first leaf's index in `leafValues`, which numbers a tree's leaves from 0 as LightGBM does.
    public let leafStarts: [Int32]
    /// The rows that reached each split and each leaf (`DoubleTree.counts`), when every tree has them; else empty.
    public let splitCounts: [Double]
    public let leafCounts: [Double]

    /// A categorical split's bitset is at most this many words (category codes below 2^20): LightGBM caps
    /// categories far lower (`max_cat_threshold`), so anything larger is a corrupt file.
    static let maxBitsetWords = 1 << 15

    /// Packs `forest`, its trees checked on `parallelism`'s threads (the lowest bad tree named, as in order).
    public init(_ forest: DoubleForest, parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws(ModelValidationError) {
        groupCount = forest.groupCount
        let (trees, featureCount) = (forest.trees, forest.featureCount)
        let splitTotal = trees.reduce(0) { $0 + $1.splitCount }, leafTotal = trees.reduce(0) { $0 + $1.leafValues.count }
        depths = try parallelism.map(count: trees.count, work: splitTotal) { index throws(ModelValidationError) in
            Int32(try Self.validate(trees[index], index: index, featureCount: featureCount))
        }
        // Every per-tree, per-split and per-leaf array sized once: appended into as they grow, their copies were a
        // tenth of a large model's load.
        var roots = [Int32](), linearTrees = [Bool](), splits = [PackedDoubleSplit]()
        var bitsetStarts = [Int32](), bitsetCounts = [Int32](), bitsetWords = [UInt32]()
        var leafValues = [Double](), leafConstants = [Double](), termStarts = [Int32](), termCounts = [Int32]()
        var termFeatures = [Int32](), termCoefficients = [Double]()
        var leafStarts = [Int32](), splitCounts = [Double](), leafCounts = [Double]()
        roots.reserveCapacity(trees.count)
        linearTrees.reserveCapacity(trees.count)
        leafStarts.reserveCapacity(trees.count)
        splits.reserveCapacity(splitTotal)
        bitsetStarts.reserveCapacity(splitTotal)
        bitsetCounts.reserveCapacity(splitTotal)
        leafValues.reserveCapacity(leafTotal)
        leafConstants.reserveCapacity(leafTotal)
        termStarts.reserveCapacity(leafTotal)
        termCounts.reserveCapacity(leafTotal)
        let counted = forest.trees.allSatisfy { tree in
            tree.counts.map { $0.splits.count == tree.splitCount && $0.leaves.count == tree.leafValues.count } ?? false
        }
        if counted {
            splitCounts.reserveCapacity(splitTotal)
            leafCounts.reserveCapacity(leafTotal)
        }
        for tree in trees {
            let splitBase = Int32(splits.count), leafBase = Int32(leafValues.count)
            func global(_ child: Int32) -> Int32 { child >= 0 ? child + splitBase : ~(~child + leafBase) }
            roots.append(tree.splitCount > 0 ? splitBase : ~leafBase)
            linearTrees.append(tree.linearLeaves != nil)
            for split in 0..<tree.splitCount {
                let rule = tree.rules[split]
                splits.append(PackedDoubleSplit(
                    threshold: tree.thresholds[split], feature: tree.splitFeatures[split],
                    left: global(tree.leftChildren[split]), right: global(tree.rightChildren[split]),
                    flags: Self.flags(rule, threshold: tree.thresholds[split])))
                let words = rule.isCategorical ? tree.categoryBitsets[split] ?? [] : []
                bitsetStarts.append(Int32(bitsetWords.count))
                bitsetCounts.append(Int32(words.count))
                bitsetWords.append(contentsOf: words)
            }
            leafStarts.append(leafBase)
            if counted, let counts = tree.counts {
                splitCounts.append(contentsOf: counts.splits)
                leafCounts.append(contentsOf: counts.leaves)
            }
            leafValues.append(contentsOf: tree.leafValues)
            for leaf in tree.leafValues.indices {
                let linear = tree.linearLeaves?[leaf]
                leafConstants.append(linear?.constant ?? 0)
                termStarts.append(Int32(termFeatures.count))
                termCounts.append(Int32(linear?.features.count ?? 0))
                termFeatures.append(contentsOf: linear?.features ?? [])
                termCoefficients.append(contentsOf: linear?.coefficients ?? [])
            }
            guard splits.count < Int(Int32.max) / 2, leafValues.count < Int(Int32.max) / 2,
                  bitsetWords.count < Int(Int32.max), termFeatures.count < Int(Int32.max) else {
                throw ModelValidationError("the forest is too large to serve")
            }
        }
        (self.roots, self.linearTrees, self.splits) = (roots, linearTrees, splits)
        (self.bitsetStarts, self.bitsetCounts, self.bitsetWords) = (bitsetStarts, bitsetCounts, bitsetWords)
        (self.leafValues, self.leafConstants, self.termStarts, self.termCounts) = (leafValues, leafConstants, termStarts, termCounts)
        (self.termFeatures, self.termCoefficients) = (termFeatures, termCoefficients)
        (self.leafStarts, self.splitCounts, self.leafCounts) = (leafStarts, splitCounts, leafCounts)
    }

    var residentBytes: Int {
        roots.count * 9 + splits.count * (MemoryLayout<PackedDoubleSplit>.stride + 8) + bitsetWords.count * 4
            + leafValues.count * (8 + 8 + 4 + 4) + termFeatures.count * (4 + 8) + (splitCounts.count + leafCounts.count) * 8
    }

    static func flags(_ rule: DoubleSplitRule, threshold: Double) -> UInt8 {
        if rule.isCategorical { return categoricalFlag }
        let nanGoesLeft = switch rule.missing {
        case .none: 0 <= threshold
        case .zero, .nan: rule.defaultLeft
        }
        return (nanGoesLeft ? nanGoesLeftFlag : 0) | (rule.missing == .zero ? zeroIsMissingFlag : 0)
            | (rule.defaultLeft ? defaultLeftFlag : 0)
    }

    /// Calls `body` with a walker over this forest's arrays, valid inside it only.
    func withWalker<Result>(_ body: (DoubleForestWalker) -> Result) -> Result {
        splits.withUnsafeBufferPointer { splits in
            bitsetStarts.withUnsafeBufferPointer { bitsetStarts in
                bitsetCounts.withUnsafeBufferPointer { bitsetCounts in
                    bitsetWords.withUnsafeBufferPointer { bitsetWords in
                        leafValues.withUnsafeBufferPointer { leafValues in
                            body(DoubleForestWalker(splits: splits, bitsetStarts: bitsetStarts, bitsetCounts: bitsetCounts,
                                                    bitsetWords: bitsetWords, leafValues: leafValues, forest: self))
                        }
                    }
                }
            }
        }
    }

    /// Refuses a tree whose arrays disagree, whose features or children are out of range, whose splits do not form
    /// one tree reaching every leaf exactly once, or that is deeper than `PackedForest.maxDepth` (explanations walk
    /// a tree recursively and keep scratch space growing with the square of its depth); returns the levels from
    /// its root to its deepest leaf.
    private static func validate(_ tree: DoubleTree, index: Int, featureCount: Int) throws(ModelValidationError) -> Int {
        func refuse(_ problem: String) -> ModelValidationError { ModelValidationError("tree \(index) \(problem)") }
        let splits = tree.splitCount, leaves = tree.leafValues.count
        guard leaves >= 1, splits == leaves - 1 else { throw refuse("has \(splits) splits for \(leaves) leaves") }
        guard tree.thresholds.count == splits, tree.leftChildren.count == splits, tree.rightChildren.count == splits,
              tree.rules.count == splits else { throw refuse("has split arrays of different lengths") }
        for split in 0..<splits {
            guard tree.splitFeatures[split] >= 0, Int(tree.splitFeatures[split]) < featureCount else {
                throw refuse("splits on feature \(tree.splitFeatures[split]), but the model takes \(featureCount)")
            }
            if tree.rules[split].isCategorical {
                guard let words = tree.categoryBitsets[split], words.count <= maxBitsetWords else {
                    throw refuse("has a categorical split without a usable category bitset")
                }
            }
        }
        if let linear = tree.linearLeaves {
            guard linear.count == leaves else { throw refuse("has \(linear.count) linear leaves for \(leaves) leaves") }
            for leaf in linear {
                guard leaf.features.count == leaf.coefficients.count,
                      leaf.features.allSatisfy({ $0 >= 0 && Int($0) < featureCount }) else {
                    throw refuse("has a linear leaf whose features and coefficients disagree or are out of range")
                }
            }
        }
        guard splits > 0 else { return 0 }
        var splitSeen = [Bool](repeating: false, count: splits), leafSeen = [Bool](repeating: false, count: leaves)
        var pending: [(split: Int32, depth: Int)] = [(0, 0)]
        splitSeen[0] = true
        var deepest = 0
        while let (split, depth) = pending.popLast() {
            guard depth < PackedForest.maxDepth else { throw refuse("is deeper than \(PackedForest.maxDepth) levels") }
            deepest = max(deepest, depth + 1)
            for child in [tree.leftChildren[Int(split)], tree.rightChildren[Int(split)]] {
                if child >= 0 {
                    guard Int(child) < splits, !splitSeen[Int(child)] else { throw refuse("has a child outside it, or a cycle") }
                    splitSeen[Int(child)] = true
                    pending.append((child, depth + 1))
                } else {
                    guard Int(~child) < leaves, !leafSeen[Int(~child)] else { throw refuse("reaches a leaf outside it, or one leaf twice") }
                    leafSeen[Int(~child)] = true
                }
            }
        }
        guard !splitSeen.contains(false), !leafSeen.contains(false) else { throw refuse("has splits or leaves no path reaches") }
        return deepest
    }
}

/// One split of a packed forest: the threshold, the feature, both children (a split `≥ 0` or `~leaf`) and the flag
/// bits of `PackedDoubleForest`. The GPU kernel declares the same layout (`berth_double_split`, 24 bytes).
public struct PackedDoubleSplit: Sendable {
    public var threshold: Double
    public var feature: Int32
    public var left: Int32
    public var right: Int32
    public var flags: UInt8
}

/// Walks rows down a `PackedDoubleForest` through raw pointers (no bounds checks or reference counting in the
/// loop), a block of rows one tree at a time so a tree's splits stay in cache while every row of the block uses
/// them; each row still adds its trees in file order, so its sums are those of LightGBM's row-by-row walk.
/// Sendable because threads only read through it, and only while `withWalker` keeps the arrays alive.
struct DoubleForestWalker: @unchecked Sendable {
    let splits: UnsafeBufferPointer<PackedDoubleSplit>
    let bitsetStarts: UnsafeBufferPointer<Int32>
    let bitsetCounts: UnsafeBufferPointer<Int32>
    let bitsetWords: UnsafeBufferPointer<UInt32>
    let leafValues: UnsafeBufferPointer<Double>
    let forest: PackedDoubleForest

    /// Rows walked down one tree side by side, so the memory latencies of their steps overlap.
    static let lanes = 8

    /// Adds every tree's answer for each of `rowCount` rows (`featureCount` values each, already zeroed where
    /// LightGBM reads zero) to that row's margins (`groupCount` each): the runs of trees `compact` holds in C, the
    /// others here, in tree order.
    func addMargins(rows: UnsafePointer<Double>, rowCount: Int, featureCount: Int, margins: UnsafeMutablePointer<Double>,
                    compact: CompactDoubleForest?) {
        let groups = forest.groupCount
        withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.lanes) { nodes in
            var tree = 0
            while tree < forest.roots.count {
                if let compact, compact.runEnd(from: tree) > tree {
                    let end = compact.runEnd(from: tree)
                    compact.addMargins(trees: tree..<end, rows: rows, rowCount: rowCount, featureCount: featureCount, margins: margins)
                    tree = end
                    continue
                }
                defer { tree += 1 }
                let root = forest.roots[tree]
                let group = tree % groups
                let linear = forest.linearTrees[tree]
                var first = 0
                while first < rowCount {
                    let lanes = min(Self.lanes, rowCount - first)
                    let base = rows + first * featureCount
                    if lanes == 1 {
                        nodes[0] = walk(from: root, row: base)
                    } else {
                        walkSideBySide(from: root, rows: base, lanes: lanes, featureCount: featureCount, nodes: nodes.baseAddress!)
                    }
                    for lane in 0..<lanes {
                        let leaf = Int(~nodes[lane])
                        var value = leafValues[leaf]
                        if linear { value = forest.linearValue(leaf: leaf, row: base + lane * featureCount) ?? value }
                        margins[(first + lane) * groups + group] += value
                    }
                    first += lanes
                }
            }
        }
    }

    /// The leaf (`~index`) one row reaches from `root`.
    @inline(__always)
    func walk(from root: Int32, row: UnsafePointer<Double>) -> Int32 {
        var node = root
        while node >= 0 { node = step(node, row: row) }
        return node
    }

    /// The leaves `lanes` rows reach from `root`, walked a level at a time, into `nodes`.
    @inline(__always)
    private func walkSideBySide(from root: Int32, rows: UnsafePointer<Double>, lanes: Int, featureCount: Int,
                                nodes: UnsafeMutablePointer<Int32>) {
        for lane in 0..<lanes { nodes[lane] = root }
        var pending = root >= 0
        while pending {
            pending = false
            for lane in 0..<lanes where nodes[lane] >= 0 {
                let next = step(nodes[lane], row: rows + lane * featureCount)
                nodes[lane] = next
                pending = pending || next >= 0
            }
        }
    }

    /// The child a row goes to from split `node`: LightGBM's `NumericalDecision` or `CategoricalDecision`, with the
    /// missing-value rules already folded into the split's flags.
    @inline(__always)
    func step(_ node: Int32, row: UnsafePointer<Double>) -> Int32 {
        let split = splits[Int(node)]
        let value = row[Int(split.feature)]
        var goesLeft: Bool
        if split.flags & PackedDoubleForest.categoricalFlag != 0 {
            goesLeft = categoryGoesLeft(value, split: Int(node))
        } else {
            goesLeft = value.isNaN ? split.flags & PackedDoubleForest.nanGoesLeftFlag != 0 : value <= split.threshold
            if value == 0 && split.flags & PackedDoubleForest.zeroIsMissingFlag != 0 {
                goesLeft = split.flags & PackedDoubleForest.defaultLeftFlag != 0
            }
        }
        return goesLeft ? split.left : split.right
    }

    /// LightGBM's categorical rule: the value truncated to an `int` (as C++ converts it; NaN and anything
    /// outside `int`'s range convert to a negative) goes left when its bit is set.
    @inline(__always)
    private func categoryGoesLeft(_ value: Double, split: Int) -> Bool {
        guard value > -1, value < 2_147_483_648 else { return false }
        let code = Int(value)
        let word = code >> 5
        guard word < Int(bitsetCounts[split]) else { return false }
        return (bitsetWords[Int(bitsetStarts[split]) + word] >> UInt32(code & 31)) & 1 != 0
    }
}

extension PackedDoubleForest {
    /// A linear leaf's value, or nil when a feature it reads is missing (the leaf value is used instead).
    func linearValue(leaf: Int, row: UnsafePointer<Double>) -> Double? {
        var output = leafConstants[leaf]
        let start = Int(termStarts[leaf])
        for term in start ..< start + Int(termCounts[leaf]) {
            let value = row[Int(termFeatures[term])]
            if value.isNaN { return nil }
            output += termCoefficients[term] * value
        }
        return output
    }
}
