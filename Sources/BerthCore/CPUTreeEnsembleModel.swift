import CBerthKernels

/// The CPU kernel for tree ensembles: the forest packed once (`PackedForest`), rows predicted in blocks of
/// `blockSize`, large batches split across cores by `RowParallelism`; a row allocates nothing.
///
/// Every walk takes the same decision at every node (`step`, `leaf`) and adds each group's leaves in tree order,
/// so all give the same sums. A summed ensemble without categorical splits has several (`TreeWalk`): in C on the
/// compact nodes (`CompactForest`, eight rows down a tree or a row down eight trees at once, or with vector gathers,
/// a row or a tree a lane), with vector gathers on the packed nodes (`berth_forest_walk_row`, one tree a lane), or
/// in Swift on the packed nodes; which one serves small and large
/// blocks is measured on the model at load (`TreeWalkChoice`), because it depends on the CPU. Trees with
/// categorical splits walk in Swift, a row down `treesAtOnce` trees for blocks under `TreeWalkChoice.blockRows`
/// rows, else the block's rows in lockstep down each tree (`walkRowsInLockstep`, as XGBoost's CPU predictor does,
/// docs/model-formats.md §5); so do ONNX's vote combinations (`combineVotes`), but for a sum of votes that is a plain
/// sum, which the reader marks `.sum` (`TreeEnsemble.votesAreAPlainSum`).
///
/// The crossovers below were measured on the reference model; the measurements are in docs/performance.md.
struct CPUTreeEnsembleModel: CompiledModel {
    static let blockSize = 64
    /// The fewest rows worth a thread of their own, when a batch is large enough to split (`RowParallelism`): two
    /// rounds of the C walks' eight rows at once.
    static let rowsPerThread = 16
    /// From this many rows in a block, the rows step down each tree together (`walkRowsInLockstep`); fewer walk one
    /// after another, where lockstep does not pay.
    static let lockstepRows = 4
    /// Trees a single row steps together in Swift (`walkTreesOfOneRow`): at most `blockSize` (the scratch it uses).
    /// A group holding a categorical tree walks one tree at a time, so larger groups would slow mixed forests.
    static let treesAtOnce = 32
    /// Trees a single row walks together with gathers: at most `blockSize` and BERTH_FOREST_WALK_MAX_TREES. Four
    /// 16-lane chains (eight of 8 lanes on AVX2) hide each other's latency, 1.3 × two chains, timed in C on an Intel
    /// Xeon (docs/performance.md); more gives nothing.
    static let treesAtOnceWithGathers = 64

    let forest: PackedForest
    let featureCount: Int
    let groupCount: Int
    let baseMargins: [Float]
    let transform: OutputTransform
    let combination: TreeEnsemble.LeafCombination
    let parallelism: RowParallelism
    /// The same forest in 8-byte nodes for the C walks; nil when it has categorical splits, does not fit, or
    /// neither chosen walk reads it (its memory is then given back).
    private(set) var compact: CompactForest?
    /// The walks of a summed ensemble without categorical splits, measured at load (nil for the others, which
    /// walk in Swift).
    private(set) var walks: TreeWalkChoice?
    /// Levels a row's walks step through, all trees together: the work a row costs, for `RowParallelism`.
    let stepsPerRow: Int
    /// Each tree's expected value under the training cover, for contributions: worked out on the first request
    /// for them.
    let treeMeans = ComputedOnce<[Float]>()

    var outputCount: Int { transform.outputCount(groupCount: groupCount) }
    var placement: Placement { .cpu }

    var residentBytes: Int {
        forest.nodes.count * MemoryLayout<PackedForest.Node>.stride + (forest.roots.count + forest.groups.count + forest.depths.count) * 4
            + forest.hasCategorical.count
            + forest.categorySetOfNode.count * 4 + forest.categorySets.count * 12 + forest.categoryWords.count * 4
            + baseMargins.count * 4 + forest.covers.count * 4
            + (forest.covers.isEmpty ? 0 : forest.roots.count * 4) + (compact?.residentBytes ?? 0)
    }

    /// The walks chosen and why (`TreeWalkChoice.reason`), for the model ready line; nil when there was no choice.
    var kernelChoice: String? { walks?.reason }

    init(_ ensemble: TreeEnsemble, parallelism: RowParallelism, walk preference: TreeWalkPreference = .measured) throws(ModelValidationError) {
        guard ensemble.baseMargins.count == ensemble.groupCount, ensemble.groupCount > 0 else {
            throw ModelValidationError("the model has \(ensemble.groupCount) output groups but \(ensemble.baseMargins.count) base scores")
        }
        let forest = try PackedForest(ensemble, parallelism: parallelism)
        let groupCount = ensemble.groupCount
        self.forest = forest
        featureCount = ensemble.featureCount
        self.groupCount = groupCount
        baseMargins = ensemble.baseMargins
        transform = ensemble.transform
        combination = ensemble.combination
        self.parallelism = parallelism
        stepsPerRow = max(1, forest.depths.reduce(0) { $0 + Int($1) })
        // Only a plain sum without categorical splits has a choice of walks, and only those walks read compact nodes.
        let hasWalkChoice = combination == .sum && !forest.hasCategorical.contains(true)
        compact = hasWalkChoice ? CompactForest(forest, groupCount: groupCount, parallelism: parallelism) : nil
        walks = nil
        if hasWalkChoice {
            let chosen = measuredWalks(preference: preference)
            walks = chosen
            if !chosen.fewRows.readsCompactNodes && !chosen.block.readsCompactNodes { compact = nil }
        }
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        predict(batch, transform: transform)
    }

    /// The predictions with `transform` in place of the model's own (`.identity` answers the margins).
    func predict(_ batch: FeatureBatch, transform: OutputTransform) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = transform.outputCount(groupCount: groupCount)
        var result = [Float](repeating: 0, count: batch.rowCount * outputs)
        let work = batch.rowCount * stepsPerRow
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: work, granularity: Self.rowsPerThread) { range in
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
                            sum(block, rowCount: blockRows, walk: walks?.walk(rowCount: blockRows), nodes: nodes,
                                margins: margins.baseAddress!, indices: indices.baseAddress!)
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
