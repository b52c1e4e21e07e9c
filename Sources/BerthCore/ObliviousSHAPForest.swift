/// An oblivious forest laid out as the binary trees TreeSHAP walks, as CatBoost's `ShapValues` walks them: the last
/// split at the root and the first at the leaves, so a node's children are `2h` (the split does not hold) and
/// `2h + 1` (it holds) in heap numbering and the leaves, `2^depth + leaf`, fall in CatBoost's leaf order. A node's
/// cover is the training weight of the leaves below it (`ObliviousTree.leafWeights`); one tree is laid out once
/// for each output, with that output's leaf values scaled by the forest's `scale`. Built for each request for
/// contributions (about 66 bytes a leaf value, a few milliseconds for a large model), so a model keeps nothing for
/// explanations it may never be asked for.
struct ObliviousSHAPForest: TreeSHAPForest {
    /// Per node, across all trees: the leaf value, the cover, the split's first child (`2h`; -1 for a leaf), the
    /// column it is attributed to (a one-hot test's categorical column), and the kernel column, border and missing
    /// rule it decides by.
    private let values: [Double]
    private let covers: [Double]
    private let firstChildren: [Int32]
    private let columns: [Int32]
    private let kernelColumns: [Int32]
    private let borders: [Float]
    private let missingHolds: [Bool]
    /// Each laid-out tree's root and expected value (its leaves weighted by their covers), tree by tree and, within
    /// a tree, output by output.
    let roots: [Int32]
    let expectedValues: [Double]
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
        var kernelColumns = [Int32](repeating: 0, count: nodeCount), borders = [Float](repeating: 0, count: nodeCount)
        var missingHolds = [Bool](repeating: false, count: nodeCount)
        var roots = [Int32](), expectedValues = [Double]()
        var base = 0
        for tree in forest.trees {
            let levels = tree.splits.count, leafCount = 1 << levels
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
                    let split = tree.splits[levels - 1 - (Int.bitWidth - 1 - heap.leadingZeroBitCount)]
                    covers[slot] = covers[base + 2 * heap] + covers[base + 2 * heap + 1]
                    firstChildren[slot] = Int32(base + 2 * heap)
                    kernelColumns[slot] = split.feature
                    columns[slot] = Int(split.feature) < forest.featureCount
                        ? split.feature : forest.oneHotTests[Int(split.feature) - forest.featureCount].column
                    borders[slot] = split.border
                    missingHolds[slot] = split.missingHolds
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
        self.kernelColumns = kernelColumns
        self.borders = borders
        self.missingHolds = missingHolds
        self.roots = roots
        self.expectedValues = expectedValues
        depth = forest.trees.map(\.splits.count).max() ?? 0
    }

    /// How many nodes the layout holds, for sizing the work of a batch.
    var nodeCount: Int { values.count }

    @inline(__always)
    func leafValue(_ node: Int32) -> Double? {
        firstChildren[Int(node)] < 0 ? values[Int(node)] : nil
    }

    @inline(__always)
    func cover(_ node: Int32) -> Double { covers[Int(node)] }

    /// The split decides as the kernel does: float32 `value > border`, a missing value by `missingHolds`.
    @inline(__always)
    func split(_ node: Int32, row: UnsafePointer<Float>) -> (feature: Int32, hot: Int32, cold: Int32) {
        let index = Int(node), value = row[Int(kernelColumns[index])]
        let holds = value.isNaN ? missingHolds[index] : value > borders[index]
        let first = firstChildren[index]
        return holds ? (columns[index], first + 1, first) : (columns[index], first, first + 1)
    }
}
