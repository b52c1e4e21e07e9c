/// An oblivious forest laid out as the binary trees TreeSHAP walks, as CatBoost's `ShapValues` walks them: the last
/// split at the root and the first at the leaves, so a node's children are `2h` (the split does not hold) and
/// `2h + 1` (it holds) in heap numbering and the leaves, `2^depth + leaf`, fall in CatBoost's leaf order. A node's
/// cover is the training weight of the leaves below it (`ObliviousTree.leafWeights`); one tree is laid out once
/// for each output, with that output's leaf values scaled by the forest's `scale`.
///
/// Every split of an oblivious tree's level is the same, so the path a row takes — and so its contributions from
/// that tree — follow from its leaf alone: the layout is walked with a leaf index as the row, each split deciding
/// by the leaf's bit, and a batch walks each tree once for each leaf its rows reach (`contributions(ofLeaf:)`).
/// Built for each request for contributions (about 40 bytes a leaf value), so a model keeps nothing for
/// explanations it may never be asked for.
struct ObliviousSHAPForest: TreeSHAPForest {
    /// Per node, across all trees: the leaf value, the cover, the split's first child (`2h`; -1 for a leaf), the
    /// column it is attributed to (a one-hot test's categorical column), and the bit of the leaf index it decides.
    private let values: [Double]
    private let covers: [Double]
    private let firstChildren: [Int32]
    private let columns: [Int32]
    private let leafBits: [UInt8]
    /// Each laid-out tree's root and expected value (its leaves weighted by their covers), tree by tree and, within
    /// a tree, output by output.
    let roots: [Int32]
    let expectedValues: [Double]
    /// Per tree (not per output), the columns its splits are attributed to, each once.
    let treeColumns: [[Int32]]
    /// The deepest tree's levels.
    let depth: Int

    /// Refused when a tree has no usable leaf weights, or the layout's nodes would not fit 32-bit node numbers.
    init(_ forest: ObliviousForest) throws(ExplanationRefusal) {
        guard forest.trees.allSatisfy({ $0.leafWeights.count == 1 << $0.splits.count }) else {
            throw ExplanationRefusal("explain=contributions needs each leaf's training weight (CatBoost's leaf_weights, one a leaf, none negative), which this model's file does not give; explain=leaves and explain=margin work")
        }
        let outputs = forest.outputCount
        let nodeCount = forest.trees.reduce(0) { $0 + (2 << $1.splits.count) } * outputs
        guard nodeCount <= Int(Int32.max) else {
            throw ExplanationRefusal("explain=contributions would lay out \(nodeCount) tree nodes for this model, more than Berth's TreeSHAP numbers; explain=leaves and explain=margin work")
        }
        var values = [Double](repeating: 0, count: nodeCount), covers = [Double](repeating: 0, count: nodeCount)
        var firstChildren = [Int32](repeating: -1, count: nodeCount), columns = [Int32](repeating: -1, count: nodeCount)
        var leafBits = [UInt8](repeating: 0, count: nodeCount)
        var roots = [Int32](), expectedValues = [Double](), treeColumns = [[Int32]]()
        var base = 0
        for tree in forest.trees {
            let levels = tree.splits.count, leafCount = 1 << levels
            let columnOfSplit = tree.splits.map { split in
                Int(split.feature) < forest.featureCount ? split.feature : forest.oneHotTests[Int(split.feature) - forest.featureCount].column
            }
            var distinct = [Int32]()
            for column in columnOfSplit where !distinct.contains(column) { distinct.append(column) }
            treeColumns.append(distinct)
            for output in 0..<outputs {
                // Slot `base + h` holds heap node h (1 ..< 2 · leafCount); slot `base` is unused.
                var weighted = 0.0
                for leaf in 0..<leafCount {
                    let slot = base + leafCount + leaf
                    values[slot] = tree.leafValues[leaf * outputs + output] * forest.scale
                    covers[slot] = tree.leafWeights[leaf]
                    weighted += values[slot] * covers[slot]
                }
                for heap in stride(from: leafCount - 1, through: 1, by: -1) {
                    let slot = base + heap
                    let bit = levels - 1 - (Int.bitWidth - 1 - heap.leadingZeroBitCount)
                    covers[slot] = covers[base + 2 * heap] + covers[base + 2 * heap + 1]
                    firstChildren[slot] = Int32(base + 2 * heap)
                    columns[slot] = columnOfSplit[bit]
                    leafBits[slot] = UInt8(bit)
                }
                roots.append(Int32(base + 1))
                let total = covers[base + 1]
                expectedValues.append(total > 0 ? weighted / total : 0)
                base += 2 * leafCount
            }
        }
        self.values = values
        self.covers = covers
        self.firstChildren = firstChildren
        self.columns = columns
        self.leafBits = leafBits
        self.roots = roots
        self.expectedValues = expectedValues
        self.treeColumns = treeColumns
        depth = forest.trees.map(\.splits.count).max() ?? 0
    }

    @inline(__always)
    func leafValue(_ node: Int32) -> Double? {
        firstChildren[Int(node)] < 0 ? values[Int(node)] : nil
    }

    @inline(__always)
    func cover(_ node: Int32) -> Double { covers[Int(node)] }

    /// The split holds for a row in `leaf` when the leaf's bit for the split is set.
    @inline(__always)
    func split(_ node: Int32, row leaf: Int) -> (feature: Int32, hot: Int32, cold: Int32) {
        let index = Int(node), first = firstChildren[index]
        return (leaf >> Int(leafBits[index])) & 1 == 1 ? (columns[index], first + 1, first) : (columns[index], first, first + 1)
    }

    /// The contributions of laid-out tree `tree` (of tree `tree / outputs`) to a row in `leaf`, one per column of
    /// `treeColumns`; `scratch` holds a value for every feature and is all zeros before and after.
    func contributions(ofLeaf leaf: Int, tree: Int, columns: [Int32], path: UnsafeMutablePointer<TreeSHAPPath.Element>,
                       inverses: UnsafePointer<Double>, scratch: UnsafeMutablePointer<Double>) -> [Double] {
        TreeSHAPPath.addContributions(self, root: roots[tree], row: leaf, path: path, inverses: inverses, phi: scratch)
        return columns.map { column in
            defer { scratch[Int(column)] = 0 }
            return scratch[Int(column)]
        }
    }
}
