/// The CPU kernel for `DoubleForest`s (LightGBM models, CatBoost's non-symmetric trees): every tree walked in
/// double precision.
///
/// At compile time the trees are validated and packed into flat arrays shared by all trees — splits, leaves,
/// category bitsets and linear-leaf terms — with children renumbered globally (a split `≥ 0`, a leaf `~index`),
/// so a row's walk touches no per-tree bookkeeping. Trees without categorical splits or linear leaves are also
/// laid out in compact nodes (`CompactDoubleForest`) and walked eight at once in C; the others by the Swift walker
/// (`DoubleForestWalker`), each row adding its trees in file order either way. Large batches are split across
/// cores by `RowParallelism`.
struct CPUDoubleForestModel: CompiledModel {
    let forest: DoubleForest
    let parallelism: RowParallelism
    let packed: PackedDoubleForest
    /// The trees it can hold in compact nodes, walked eight at once in C; nil when none fits.
    let compact: CompactDoubleForest?
    /// Levels a row's walks step through, all trees together: the work a row costs, for `RowParallelism`.
    let stepsPerRow: Int

    var featureCount: Int { forest.featureCount }
    var outputCount: Int { forest.outputCount }
    var residentBytes: Int { packed.residentBytes + (compact?.residentBytes ?? 0) }
    var placement: Placement { .cpu }
    var featurePrecision: FeaturePrecision { .float64 }
    /// Which walks blocks and single rows take, as measured at load or fixed by `BERTH_TREE_WALK`
    /// (`CompactDoubleForest.walks`).
    var kernelChoice: String? { compact?.walks.reason }
    var outputPrecision: FeaturePrecision { .float64 }

    /// `walk` (`BERTH_TREE_WALK`) decides whether the compact trees take the gather walks (`CompactDoubleForest`).
    init(_ forest: DoubleForest, parallelism: RowParallelism, walk: TreeWalkPreference = .measured) throws(ModelValidationError) {
        guard forest.featureCount > 0 else { throw ModelValidationError("the forest takes no features") }
        guard forest.groupCount > 0, forest.trees.count % forest.groupCount == 0 else {
            throw ModelValidationError("the forest has \(forest.trees.count) trees, not a whole number of iterations of \(forest.groupCount)")
        }
        if case .softmax = forest.transform, forest.groupCount < 2 {
            throw ModelValidationError("a softmax needs at least two classes, and the forest has \(forest.groupCount)")
        }
        self.forest = forest
        self.parallelism = parallelism
        let packed = try PackedDoubleForest(forest, parallelism: parallelism)
        self.packed = packed
        self.compact = CompactDoubleForest(packed, featureCount: forest.featureCount, walk: walk)
        self.stepsPerRow = max(1, packed.depths.reduce(0) { $0 + Int($1) })
    }

    /// Rows walked together, one tree at a time: enough to reuse a tree's splits, few enough that the block's
    /// rows and margins stay in L1.
    static let blockRows = 128

    func predict(_ batch: FeatureBatch) -> Predictions {
        predict(batch, transforms: true)
    }

    /// The predictions, or with `transforms` false the margins as LightGBM's `raw_score` answers them: the trees'
    /// sums before the objective's transform, not averaged for random forests.
    func predict(_ batch: FeatureBatch, transforms: Bool) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = outputCount
        let inputs = batch.wideValues
        var result = [Double](repeating: 0, count: batch.rowCount * outputs)
        let iterations = Double(forest.trees.count / forest.groupCount)
        packed.withWalker { walker in
            inputs.withUnsafeBufferPointer { rows in
                result.withUnsafeMutableBufferPointer { output in
                    let rowsPointer = SendablePointer(rows.baseAddress)
                    let outputPointer = SendableMutablePointer(output.baseAddress)
                    let work = batch.rowCount * stepsPerRow
                    parallelism.forEachRange(rowCount: batch.rowCount, work: work, granularity: CPUTreeEnsembleModel.rowsPerThread) { range in
                        predictRows(range, walker: walker, rows: rowsPointer.pointer!, output: outputPointer.pointer!,
                                    iterations: iterations, transforms: transforms)
                    }
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, doubles: result)
    }

    /// Predicts `range` block by block into `output` (which starts zeroed).
    private func predictRows(_ range: Range<Int>, walker: DoubleForestWalker, rows: UnsafePointer<Double>,
                             output: UnsafeMutablePointer<Double>, iterations: Double, transforms: Bool) {
        let features = featureCount, outputs = outputCount
        withUnsafeTemporaryAllocation(of: Double.self, capacity: min(Self.blockRows, range.count) * features) { block in
            for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: Self.blockRows) {
                let count = min(Self.blockRows, range.upperBound - blockStart)
                let source = rows + blockStart * features
                for index in 0 ..< count * features { block[index] = forest.read(source[index]) }
                let margins = output + blockStart * outputs
                walker.addMargins(rows: UnsafePointer(block.baseAddress!), rowCount: count, featureCount: features, margins: margins,
                                  compact: compact)
                for row in 0..<count {
                    let rowMargins = UnsafeMutableBufferPointer(start: margins + row * outputs, count: outputs)
                    if forest.averagesIterations && transforms {
                        for group in rowMargins.indices { rowMargins[group] /= iterations }
                    }
                    if transforms { forest.transform.apply(rowMargins) }
                }
            }
        }
    }
}
