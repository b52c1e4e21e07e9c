/// What TreeSHAP needs of an oblivious forest beyond the forest itself, worked out for each request for
/// contributions: each tree's columns and expected values. The trees are walked as CatBoost's `ShapValues` walks
/// them (`ObliviousSHAPTree`): as binary trees with the last split at the root and the first at the leaves, each node's
/// cover the training weight of the leaves below it (`ObliviousTree.leafWeights`), one tree once for each output
/// with that output's leaf values scaled by the forest's `scale`.
///
/// Every split of an oblivious tree's level is the same, so the path a row takes — and so its contributions from
/// that tree — follow from its leaf alone: a tree is walked with a leaf index as the row, each split deciding by the
/// leaf's bit, and a batch walks each tree once for each leaf its rows reach (`contributions(ofLeaf:)`, `WalkedLeaves`).
/// Nothing per node is kept: a tree's covers are summed into a thread's scratch as it is reached
/// (`ObliviousSHAPTree.sumCovers`).
struct ObliviousSHAPForest: Sendable {
    /// The column each split is attributed to (a one-hot test's categorical column), tree after tree, split by split,
    /// then one unused entry so that the array is never empty; tree `t`'s start at `splitColumnStarts[t]`.
    let splitColumns: [Int32]
    let splitColumnStarts: [Int]
    /// Per tree (not per output), the columns its splits are attributed to, each once.
    let treeColumns: [[Int32]]
    /// Each tree's expected value (its leaves weighted by their training weights), tree by tree and, within a tree,
    /// output by output.
    let expectedValues: [Double]
    /// The deepest tree's levels.
    let depth: Int

    /// Refused when a tree has no usable leaf weights.
    init(_ forest: ObliviousForest) throws(ExplanationRefusal) {
        guard forest.trees.allSatisfy({ $0.leafWeights.count == 1 << $0.splits.count }) else {
            throw ExplanationRefusal("explain=contributions needs each leaf's training weight (CatBoost's leaf_weights, one a leaf, none negative), which this model's file does not give; explain=leaves and explain=margin work")
        }
        let outputs = forest.outputCount, depth = forest.trees.map(\.splits.count).max() ?? 0
        // Each tree's covers, summed as a walk sums them, for its root's: every leaf's weight.
        var covers = [Double](repeating: 0, count: 2 << depth)
        var splitColumns = [Int32](), splitColumnStarts = [Int](), treeColumns = [[Int32]](), expectedValues = [Double]()
        splitColumnStarts.reserveCapacity(forest.trees.count)
        treeColumns.reserveCapacity(forest.trees.count)
        expectedValues.reserveCapacity(forest.trees.count * outputs)
        for tree in forest.trees {
            let columns = tree.splits.map { split in
                Int(split.feature) < forest.featureCount ? split.feature : forest.oneHotTests[Int(split.feature) - forest.featureCount].column
            }
            var distinct = [Int32]()
            for column in columns where !distinct.contains(column) { distinct.append(column) }
            splitColumnStarts.append(splitColumns.count)
            splitColumns += columns
            treeColumns.append(distinct)
            let total = covers.withUnsafeMutableBufferPointer { covers in
                ObliviousSHAPTree.sumCovers(tree.leafWeights, levels: tree.splits.count, into: covers.baseAddress!)
                return covers[1]
            }
            for output in 0..<outputs {
                var weighted = 0.0
                for leaf in tree.leafWeights.indices {
                    weighted += tree.leafValues[leaf * outputs + output] * forest.scale * tree.leafWeights[leaf]
                }
                expectedValues.append(total > 0 ? weighted / total : 0)
            }
        }
        self.splitColumns = splitColumns + [-1]
        self.splitColumnStarts = splitColumnStarts
        self.treeColumns = treeColumns
        self.expectedValues = expectedValues
        self.depth = depth
    }

    /// Writes the contributions of `tree` to a row in `leaf` into `values`, one per column of `columns` (the tree's
    /// `treeColumns`).
    func contributions(ofLeaf leaf: Int, tree: ObliviousSHAPTree, columns: [Int32], scratch: Scratch, into values: UnsafeMutablePointer<Double>) {
        TreeSHAPPath.addContributions(tree, root: 1, row: leaf, path: scratch.path, inverses: scratch.inverses, phi: scratch.phi)
        for (slot, column) in columns.enumerated() {
            values[slot] = scratch.phi[Int(column)]
            scratch.phi[Int(column)] = 0
        }
    }

    /// What one thread's walks of this forest write to, allocated once for all of them: TreeSHAP's path, the
    /// inverses of 0 … depth + 2, a value per feature (all zeros between walks), one tree's covers, and the leaves
    /// of a block of `rows` rows.
    final class Scratch {
        let path: UnsafeMutablePointer<TreeSHAPPath.Element>
        let inverses: UnsafeMutablePointer<Double>
        let phi: UnsafeMutablePointer<Double>
        let covers: UnsafeMutablePointer<Double>
        let leaves: UnsafeMutablePointer<Int>

        init(depth: Int, featureCount: Int, rows: Int) {
            let pathCount = TreeSHAPPath.scratchCount(depth: depth)
            path = .allocate(capacity: pathCount)
            path.initialize(repeating: TreeSHAPPath.Element(feature: -1, zero: 0, one: 0, weight: 0), count: pathCount)
            let inverseValues = TreeSHAPPath.inverses(count: depth + 3)
            inverses = .allocate(capacity: inverseValues.count)
            inverses.initialize(from: inverseValues, count: inverseValues.count)
            phi = .allocate(capacity: max(1, featureCount))
            phi.initialize(repeating: 0, count: max(1, featureCount))
            covers = .allocate(capacity: 2 << depth)
            covers.initialize(repeating: 0, count: 2 << depth)
            leaves = .allocate(capacity: max(1, rows))
            leaves.initialize(repeating: 0, count: max(1, rows))
        }

        deinit {
            path.deallocate()
            inverses.deallocate()
            phi.deallocate()
            covers.deallocate()
            leaves.deallocate()
        }
    }
}

/// One oblivious tree and one of its outputs as the binary tree TreeSHAP walks: heap numbering from the root, 1, with
/// node `h`'s children `2h` (its split does not hold) and `2h + 1` (it holds), so the leaves, `2^depth + leaf`, fall in
/// CatBoost's leaf order and the root splits on the tree's last split. It reads the tree's own leaf values and a
/// thread's covers in place, and lives only while that thread walks the tree.
///
/// Unchecked Sendable: the pointers are the caller's, valid and unchanged while it walks.
struct ObliviousSHAPTree: TreeSHAPForest, @unchecked Sendable {
    let levels: Int
    /// The tree's leaf values, every output's for a leaf together, and which output this walk reads.
    let leafValues: UnsafePointer<Double>
    let outputs: Int
    let output: Int
    let scale: Double
    /// Heap-numbered covers (`sumCovers`).
    let covers: UnsafePointer<Double>
    /// The column each split is attributed to, by split.
    let columns: UnsafePointer<Int32>

    /// Writes each node's cover, heap-numbered, into `covers` (`2 << levels` of them; slot 0 unused): the leaves'
    /// weights, then each split's children's sum, level by level from the leaves.
    static func sumCovers(_ weights: [Double], levels: Int, into covers: UnsafeMutablePointer<Double>) {
        let leafCount = 1 << levels
        for leaf in 0..<leafCount { covers[leafCount + leaf] = weights[leaf] }
        for heap in stride(from: leafCount - 1, through: 1, by: -1) { covers[heap] = covers[2 * heap] + covers[2 * heap + 1] }
    }

    @inline(__always)
    func leafValue(_ node: Int32) -> Double? {
        let leaf = Int(node) - (1 << levels)
        return leaf >= 0 ? leafValues[leaf * outputs + output] * scale : nil
    }

    @inline(__always)
    func cover(_ node: Int32) -> Double { covers[Int(node)] }

    /// The split holds for a row in `leaf` when the leaf's bit for the split is set; node `h` of heap level `l`
    /// (the root's 0) splits on split `levels − 1 − l`.
    @inline(__always)
    func split(_ node: Int32, row leaf: Int) -> (feature: Int32, hot: Int32, cold: Int32) {
        let bit = levels - 1 - (Int32.bitWidth - 1 - node.leadingZeroBitCount)
        let first = 2 * node
        return (leaf >> bit) & 1 == 1 ? (columns[bit], first + 1, first) : (columns[bit], first, first + 1)
    }
}
