import CBerthKernels

/// The CPU kernel for tree ensembles.
///
/// Rows are walked in blocks of `blockSize` with the trees as the outer loop, so one tree's nodes stay in cache
/// while every row of the block visits it (XGBoost's CPU predictor does the same, MODEL-FORMATS.md §5). Within a
/// block the rows step down a tree together, level by level, with a select instead of a branch at each node, so
/// data-dependent branches do not mispredict and the rows' walks overlap. Large batches are split across cores
/// by `RowParallelism`; a row allocates nothing.
struct CPUTreeEnsembleModel: CompiledModel {
    static let blockSize = 64
    /// From this many rows in a block, the rows step down each tree together (`walk(tree:)`; measured on the
    /// 500-tree reference model: 3.6× the rows/s of one-row-at-a-time walks at 10,000 rows, 1.2× at 4 rows,
    /// slower at 2).
    static let lockstepRows = 4
    /// Summed ensembles walked without vector gathers: below this many rows in a block, each row walks
    /// `treesAtOnce` trees at a time (`walkTreesOfOneRow`) instead of the rows stepping in lockstep. Measured on the
    /// reference model, µs per row, 1 thread — trees at a time: 9.6–9.8 at 3–8 rows; rows in lockstep: 13.0 at 4,
    /// 11.0 at 5, 10.0 at 6, 9.3 at 7, 8.8 at 8.
    static let rowsForLockstepSums = 7
    /// Trees a single row walks together (`walkTreesOfOneRow`; at most `blockSize`, the scratch it uses, and
    /// BERTH_FOREST_WALK_MAX_TREES). Measured on the 500-tree reference model, one row, 1 thread: with AVX-512
    /// gathers 16 trees 9–10 µs, 32 trees 6 µs, 48 and 64 trees 6 µs; stepped in Swift (no gathers), 4 trees 1.0×,
    /// 8 trees 1.5×, 16 trees 1.6×, 32 trees 1.55× the rows/s of one tree at a time.
    static let treesAtOnce = 32
    /// Whether this CPU walks a row down many trees with vector gathers (`berth_forest_walk_row`).
    static let hasGatherWalk = berth_forest_walk_isa() > 0

    let forest: PackedForest
    let featureCount: Int
    let groupCount: Int
    let baseMargins: [Float]
    let transform: OutputTransform
    let combination: TreeEnsemble.LeafCombination
    let parallelism: RowParallelism
    /// Summed ensembles without categorical splits, on a CPU with gathers: every block is walked a row at a time,
    /// which beats rows in lockstep at every batch size (reference model, µs per row, 1 thread: 6–7.1 at 1–10,000
    /// rows, against 8.6 in lockstep from 8 rows up).
    let walksRowsWithGathers: Bool

    var outputCount: Int { transform.outputCount(groupCount: groupCount) }
    var placement: Placement { .cpu }

    var residentBytes: Int {
        forest.nodes.count * MemoryLayout<PackedForest.Node>.stride + (forest.roots.count + forest.groups.count + forest.depths.count) * 4
            + forest.hasCategorical.count
            + forest.categorySetOfNode.count * 4 + forest.categorySets.count * 8 + forest.categoryWords.count * 4
            + baseMargins.count * 4
    }

    init(_ ensemble: TreeEnsemble, parallelism: RowParallelism) throws(ModelValidationError) {
        guard ensemble.baseMargins.count == ensemble.groupCount, ensemble.groupCount > 0 else {
            throw ModelValidationError("the model has \(ensemble.groupCount) output groups but \(ensemble.baseMargins.count) base scores")
        }
        forest = try PackedForest(ensemble)
        featureCount = ensemble.featureCount
        groupCount = ensemble.groupCount
        baseMargins = ensemble.baseMargins
        transform = ensemble.transform
        combination = ensemble.combination
        self.parallelism = parallelism
        walksRowsWithGathers = Self.hasGatherWalk && forest.nodes.count < 1 << 30 && !forest.hasCategorical.contains(true)
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = outputCount
        var result = [Float](repeating: 0, count: batch.rowCount * outputs)
        let work = batch.rowCount * max(forest.roots.count, 1)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: work, granularity: Self.blockSize) { range in
                    predictRows(range, rows: rowsPointer.pointer!, output: outputPointer.pointer!)
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, values: result)
    }

    private func predictRows(_ range: Range<Int>, rows: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let groups = groupCount
        let outputs = outputCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.blockSize * groups) { margins in
            withUnsafeTemporaryAllocation(of: Int32.self, capacity: Self.blockSize) { indices in
                forest.nodes.withUnsafeBufferPointer { nodes in
                    var blockStart = range.lowerBound
                    while blockStart < range.upperBound {
                        let blockRows = min(Self.blockSize, range.upperBound - blockStart)
                        let block = rows + blockStart * featureCount
                        switch combination {
                        case .sum:
                            for row in 0..<blockRows {
                                for group in 0..<groups { margins[row * groups + group] = baseMargins[group] }
                            }
                            if walksRowsWithGathers || blockRows < Self.rowsForLockstepSums {
                                // Every block with gathers, else a few rows (the real-time case): each row walks the
                                // trees several at a time, each leaf straight into its margin in tree order.
                                for row in 0..<blockRows {
                                    walkTreesOfOneRow(nodes: nodes, features: block + row * featureCount,
                                                      margins: UnsafeMutableBufferPointer(rebasing: margins[row * groups ..< (row + 1) * groups]),
                                                      indices: indices.baseAddress!)
                                }
                            } else {
                                for tree in forest.roots.indices {
                                    walk(tree: tree, nodes: nodes, block: block, blockRows: blockRows, indices: indices.baseAddress!)
                                    let group = Int(forest.groups[tree])
                                    for row in 0..<blockRows { margins[row * groups + group] += nodes[Int(indices[row])].value }
                                }
                            }
                        case .sumOfVotes, .minimum, .maximum:
                            combineVotes(nodes: nodes, block: block, blockRows: blockRows, margins: margins,
                                         indices: indices.baseAddress!)
                        }
                        for row in 0..<blockRows {
                            transform.apply(
                                margins: UnsafeBufferPointer(rebasing: margins[row * groups ..< (row + 1) * groups]),
                                output: UnsafeMutableBufferPointer(start: output + (blockStart + row) * outputs, count: outputs))
                        }
                        blockStart += blockRows
                    }
                }
            }
        }
    }

    /// ONNX's aggregates over the leaves that vote (a NaN leaf does not): their sum, smallest or largest, NaN
    /// when no tree voted; then the base margin.
    private func combineVotes(nodes: UnsafeBufferPointer<PackedForest.Node>, block: UnsafePointer<Float>, blockRows: Int, margins: UnsafeMutableBufferPointer<Float>,
                              indices: UnsafeMutablePointer<Int32>) {
        let groups = groupCount
        for index in 0..<blockRows * groups { margins[index] = .nan }
        for tree in forest.roots.indices {
            walk(tree: tree, nodes: nodes, block: block, blockRows: blockRows, indices: indices)
            let group = Int(forest.groups[tree])
            for row in 0..<blockRows {
                let leaf = nodes[Int(indices[row])].value
                guard !leaf.isNaN else { continue }
                let slot = row * groups + group
                let current = margins[slot]
                switch combination {
                case .minimum: margins[slot] = current.isNaN || leaf < current ? leaf : current
                case .maximum: margins[slot] = current.isNaN || leaf > current ? leaf : current
                default: margins[slot] = current.isNaN ? leaf : current + leaf
                }
            }
        }
        for row in 0..<blockRows {
            for group in 0..<groups { margins[row * groups + group] += baseMargins[group] }
        }
    }

    /// Steps every row of the block down one tree as many times as the tree is deep, leaving in `indices` the leaf
    /// each row reaches. Rows step together, level by level, so their walks overlap in the pipeline, and each step
    /// is a select rather than a branch (leaves step to themselves). The rule is XGBoost's: NaN takes the default
    /// branch, numerical splits go left when `x < threshold` (strict, float32), categorical splits send listed
    /// codes right.
    @inline(__always)
    private func walk(tree: Int, nodes: UnsafeBufferPointer<PackedForest.Node>, block: UnsafePointer<Float>, blockRows: Int,
                      indices: UnsafeMutablePointer<Int32>) {
        let root = forest.roots[tree]
        if blockRows < Self.lockstepRows {
            for row in 0..<blockRows { indices[row] = leaf(from: root, nodes: nodes, features: block + row * featureCount) }
            return
        }
        for row in 0..<blockRows { indices[row] = root }
        let depth = Int(forest.depths[tree])
        let width = featureCount
        if forest.hasCategorical[tree] {
            for _ in 0..<depth {
                for row in 0..<blockRows {
                    let index = Int(indices[row])
                    let node = nodes[index]
                    let flags = node.featureAndFlags
                    let x = block[row * width + Int(flags & PackedForest.featureMask)]
                    let goLeft: Bool
                    if x.isNaN || flags & PackedForest.categoricalFlag == 0 || flags & PackedForest.leafFlag != 0 {
                        goLeft = x.isNaN ? flags & PackedForest.defaultLeftFlag != 0 : x < node.value
                    } else {
                        goLeft = !categoryGoesRight(x, node: index)
                    }
                    indices[row] = goLeft ? node.left : node.right
                }
            }
            return
        }
        for _ in 0..<depth {
            for row in 0..<blockRows { indices[row] = Self.step(nodes[Int(indices[row])], features: block + row * width) }
        }
    }

    /// One row down every tree, `treesAtOnce` trees stepping together level by level with a select per step (the
    /// lockstep walk across trees instead of rows), so the walks overlap in the pipeline instead of each waiting
    /// on its own chain of loads and mispredicted branches. Groups with a categorical tree walk one tree at a time.
    @inline(__always)
    private func walkTreesOfOneRow(nodes: UnsafeBufferPointer<PackedForest.Node>, features: UnsafePointer<Float>,
                                   margins: UnsafeMutableBufferPointer<Float>, indices: UnsafeMutablePointer<Int32>) {
        let treeCount = forest.roots.count
        var first = 0
        while first < treeCount {
            let count = min(Self.treesAtOnce, treeCount - first)
            var depth: Int32 = 0
            var categorical = false
            for tree in first..<first + count {
                indices[tree - first] = forest.roots[tree]
                depth = max(depth, forest.depths[tree])
                categorical = categorical || forest.hasCategorical[tree]
            }
            if categorical {
                for tree in first..<first + count { indices[tree - first] = leaf(from: forest.roots[tree], nodes: nodes, features: features) }
            } else if walksRowsWithGathers,
                      berth_forest_walk_row(nodes.baseAddress, features, indices, count, Int(depth)) == 0 {
                // Walked with vector gathers, one tree a lane (CBerthKernels): the same steps as below.
            } else {
                for _ in 0..<depth {
                    for slot in 0..<count { indices[slot] = Self.step(nodes[Int(indices[slot])], features: features) }
                }
            }
            for tree in first..<first + count {
                margins[Int(forest.groups[tree])] += nodes[Int(indices[tree - first])].value
            }
            first += count
        }
    }

    /// One step of a numerical split, branch-free: the child `features` lead to (a leaf steps to itself). NaN
    /// compares false, so it goes left only through the default-left flag.
    @inline(__always)
    private static func step(_ node: PackedForest.Node, features: UnsafePointer<Float>) -> Int32 {
        let flags = node.featureAndFlags
        let x = features[Int(flags & PackedForest.featureMask)]
        let less: UInt32 = x < node.value ? 1 : 0
        let missingLeft: UInt32 = (x.isNaN ? 1 : 0) & (flags >> 30)
        return less | missingLeft != 0 ? node.left : node.right
    }

    /// One row's walk down one tree, stopping at the leaf, with branches: for trees with categorical splits in a
    /// row's walk, and for the vote combinations' blocks too small for the lockstep walk to pay.
    @inline(__always)
    private func leaf(from root: Int32, nodes: UnsafeBufferPointer<PackedForest.Node>, features: UnsafePointer<Float>) -> Int32 {
        var index = Int(root)
        while true {
            let node = nodes[index]
            let flags = node.featureAndFlags
            if flags & PackedForest.leafFlag != 0 { return Int32(index) }
            let x = features[Int(flags & PackedForest.featureMask)]
            if x.isNaN {
                index = Int(flags & PackedForest.defaultLeftFlag != 0 ? node.left : node.right)
            } else if flags & PackedForest.categoricalFlag != 0 {
                index = Int(categoryGoesRight(x, node: index) ? node.right : node.left)
            } else {
                index = Int(x < node.value ? node.left : node.right)
            }
        }
    }

    private func categoryGoesRight(_ x: Float, node: Int) -> Bool {
        guard x >= 0, x < Float(PackedForest.maxCategory) else { return false }
        let code = Int(x)
        let set = forest.categorySets[Int(forest.categorySetOfNode[node])]
        let word = code >> 5
        guard word < Int(set.count) else { return false }
        return forest.categoryWords[Int(set.offset) + word] & (1 << UInt32(code & 31)) != 0
    }
}
