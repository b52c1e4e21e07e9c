/// The contributions of the oblivious-tree leaves a thread has already walked, by tree, output and leaf, so that a
/// batch walks each tree once for each leaf its rows reach, not once for each block of rows that reaches it.
///
/// Where every tree's leaves fit `limit` values, each (tree, output) keeps its own slots for the whole call;
/// otherwise one set of slots is shared and forgotten whenever another tree or output takes it (`start`), which is
/// a walk per leaf and block.
struct WalkedLeaves {
    /// Per slot, `columns` values: the leaf's contributions, one per column its tree's splits count to.
    private(set) var values: [Double]
    /// Per slot, whether it has been walked.
    private var walked: [Bool]
    /// Per (tree − `firstTree`, output), the first slot and the first value; empty where one set is shared.
    private let slotStarts: [Int]
    private let valueStarts: [Int]
    private let firstTree: Int
    private let outputs: Int

    /// Slots for `trees` of `forest`, whose trees split on `columnCounts[t]` distinct columns each.
    init(_ forest: ObliviousForest, trees: Range<Int>, columnCounts: (Int) -> Int, limit: Int) {
        firstTree = trees.lowerBound
        outputs = forest.outputCount
        var slotStarts = [Int](), valueStarts = [Int](), slots = 0, values = 0, widest = (slots: 1, values: 1)
        for tree in trees {
            let leafCount = 1 << forest.trees[tree].splits.count, columns = columnCounts(tree)
            widest = (max(widest.slots, leafCount), max(widest.values, leafCount * columns))
            for _ in 0..<outputs {
                slotStarts.append(slots)
                valueStarts.append(values)
                slots += leafCount
                values += leafCount * columns
            }
        }
        if values <= limit {
            self.slotStarts = slotStarts
            self.valueStarts = valueStarts
            self.values = [Double](repeating: 0, count: max(1, values))
            walked = [Bool](repeating: false, count: max(1, slots))
        } else {
            self.slotStarts = []
            self.valueStarts = []
            self.values = [Double](repeating: 0, count: widest.values)
            walked = [Bool](repeating: false, count: widest.slots)
        }
    }

    /// Where `tree`'s leaves for `output` start: their first slot, and their first value (each leaf then holds
    /// `columns` values on from `value + leaf · columns`). Where slots are shared, what another tree left is forgotten.
    mutating func start(tree: Int, output: Int, leafCount: Int) -> (slot: Int, value: Int) {
        guard slotStarts.isEmpty else {
            let index = (tree - firstTree) * outputs + output
            return (slotStarts[index], valueStarts[index])
        }
        for slot in 0..<leafCount { walked[slot] = false }
        return (0, 0)
    }

    /// The values of `leaf` (slot `start.slot + leaf`), walked by `walk` into them the first time it is asked for.
    mutating func values(of leaf: Int, start: (slot: Int, value: Int), columns: Int,
                         walk: (UnsafeMutablePointer<Double>) -> Void) -> Int {
        let first = start.value + leaf * columns
        if !walked[start.slot + leaf] {
            walked[start.slot + leaf] = true
            values.withUnsafeMutableBufferPointer { walk($0.baseAddress! + first) }
        }
        return first
    }
}
