import CBerthKernels

/// The CPU kernel for tree ensembles: the forest packed once (`PackedForest`), rows predicted in blocks of
/// `blockSize`, large batches split across cores by `RowParallelism`; a row allocates nothing.
///
/// A block is walked one of three ways, all taking the same decision at every node (`step`, `leaf`) and adding
/// each group's leaves in tree order, so they give the same sums:
/// - **a row down many trees with vector gathers** (`walkTreesOfOneRow` through CBerthKernels'
///   `berth_forest_walk_row`, one tree a lane): every block of a summed ensemble without categorical splits, on a
///   CPU with AVX-512 or AVX2;
/// - **a row down many trees in Swift** (`walkTreesOfOneRow`, `treesAtOnce` trees stepping together): summed
///   blocks of fewer than `rowsForLockstepSums` rows without gathers, and groups of trees with categorical splits;
/// - **the block's rows down one tree in lockstep** (`walkRowsInLockstep`, the trees as the outer loop, so one
///   tree's nodes stay in cache while every row visits it, as XGBoost's CPU predictor does, docs/model-formats.md §5):
///   larger summed blocks without gathers, and ONNX's vote combinations (`combineVotes`).
///
/// The crossovers below were measured on the reference model; the measurements are in docs/performance.md.
struct CPUTreeEnsembleModel: CompiledModel {
    static let blockSize = 64
    /// From this many rows in a block, the rows step down each tree together (`walkRowsInLockstep`); fewer walk one
    /// after another, where lockstep does not pay.
    static let lockstepRows = 4
    /// Summed ensembles walked without vector gathers: below this many rows in a block, each row walks
    /// `treesAtOnce` trees at a time (`walkTreesOfOneRow`) instead of the rows stepping in lockstep.
    static let rowsForLockstepSums = 7
    /// Trees a single row walks together (`walkTreesOfOneRow`): at most `blockSize` (the scratch it uses) and
    /// BERTH_FOREST_WALK_MAX_TREES. Two 16-lane chains of gathers hide each other's latency; more gives nothing.
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
    /// which beats rows in lockstep at every batch size.
    let walksRowsWithGathers: Bool
    /// Each node's expected value under the training cover, for contributions; empty without covers.
    let nodeMeans: [Float]

    var outputCount: Int { transform.outputCount(groupCount: groupCount) }
    var placement: Placement { .cpu }

    var residentBytes: Int {
        forest.nodes.count * MemoryLayout<PackedForest.Node>.stride + (forest.roots.count + forest.groups.count + forest.depths.count) * 4
            + forest.hasCategorical.count
            + forest.categorySetOfNode.count * 4 + forest.categorySets.count * 8 + forest.categoryWords.count * 4
            + baseMargins.count * 4 + forest.covers.count * 4 + nodeMeans.count * 4
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
        nodeMeans = forest.nodeMeans()
        walksRowsWithGathers = Self.hasGatherWalk && forest.nodes.count < 1 << 30 && !forest.hasCategorical.contains(true)
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        predict(batch, transform: transform)
    }

    /// The predictions with `transform` in place of the model's own (`.identity` answers the margins).
    func predict(_ batch: FeatureBatch, transform: OutputTransform) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = transform.outputCount(groupCount: groupCount)
        var result = [Float](repeating: 0, count: batch.rowCount * outputs)
        let work = batch.rowCount * max(forest.roots.count, 1)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: work, granularity: Self.blockSize) { range in
                    predictRows(range, rows: rowsPointer.pointer!, output: outputPointer.pointer!, transform: transform)
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, values: result)
    }

    private func predictRows(_ range: Range<Int>, rows: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>,
                             transform: OutputTransform) {
        let groups = groupCount
        let outputs = transform.outputCount(groupCount: groupCount)
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
                                    walkRowsInLockstep(tree: tree, nodes: nodes, block: block, blockRows: blockRows, indices: indices.baseAddress!)
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
}
