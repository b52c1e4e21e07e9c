/// The CPU kernel for `ObliviousForest`s (CatBoost models): per row and tree, the leaf index is built from one
/// float32 comparison per level, and the leaves are summed in double.
///
/// The splits of all trees are packed into flat arrays (feature, border, missing bit) with each tree's first
/// split, and rows are taken sixteen at a time, one SIMD lane each: a tree's leaf indexes for all of them come from one
/// vector comparison per level, with no branch to mispredict.
struct CPUObliviousForestModel: CompiledModel {
    let forest: ObliviousForest
    let parallelism: RowParallelism
    let splitFeatures: [Int32]
    let borders: [Float]
    let missingHolds: [Bool]
    let firstSplits: [Int]
    let leafStarts: [Int]
    let leafValues: [Double]


    var featureCount: Int { forest.featureCount }
    var outputCount: Int { forest.outputCount }
    var residentBytes: Int { splitFeatures.count * 9 + firstSplits.count * 16 + leafValues.count * 8 }
    var placement: Placement { .cpu }
    /// CatBoost compares float32 but sums, and answers, in double.
    var outputPrecision: FeaturePrecision { .float64 }

    init(_ forest: ObliviousForest, parallelism: RowParallelism) throws(ModelValidationError) {
        guard forest.featureCount > 0, forest.outputCount > 0 else { throw ModelValidationError("the forest has no features or no outputs") }
        guard forest.biases.count == forest.outputCount, forest.scale.isFinite, forest.biases.allSatisfy(\.isFinite) else {
            throw ModelValidationError("the forest's scale and biases do not match its \(forest.outputCount) outputs")
        }
        if case .softmax = forest.transform, forest.outputCount < 2 {
            throw ModelValidationError("a softmax needs at least two classes, and the forest has \(forest.outputCount)")
        }
        var splitFeatures = [Int32](), borders = [Float](), missingHolds = [Bool]()
        var firstSplits = [Int](), leafStarts = [Int](), leafValues = [Double]()
        for (index, tree) in forest.trees.enumerated() {
            guard tree.splits.count <= ObliviousTree.maxDepth else {
                throw ModelValidationError("tree \(index) has \(tree.splits.count) levels; CatBoost allows \(ObliviousTree.maxDepth)")
            }
            guard tree.leafValues.count == (1 << tree.splits.count) * forest.outputCount else {
                throw ModelValidationError("tree \(index) has \(tree.leafValues.count) leaf values for \(tree.splits.count) levels and \(forest.outputCount) outputs")
            }
            for split in tree.splits {
                guard split.feature >= 0, Int(split.feature) < forest.featureCount, !split.border.isNaN else {
                    throw ModelValidationError("tree \(index) splits on feature \(split.feature) of \(forest.featureCount), or on a NaN border")
                }
                splitFeatures.append(split.feature)
                borders.append(split.border)
                missingHolds.append(split.missingHolds)
            }
            firstSplits.append(splitFeatures.count - tree.splits.count)
            leafStarts.append(leafValues.count)
            leafValues.append(contentsOf: tree.leafValues)
        }
        firstSplits.append(splitFeatures.count)
        self.forest = forest
        self.parallelism = parallelism
        (self.splitFeatures, self.borders, self.missingHolds) = (splitFeatures, borders, missingHolds)
        (self.firstSplits, self.leafStarts, self.leafValues) = (firstSplits, leafStarts, leafValues)
    }

    /// Rows decided together: one SIMD lane each, every split of a tree compared for all of them at once.
    static let lanes = 16
    typealias Lanes = SIMD16<Float>
    typealias LeafIndexes = SIMD16<Int32>

    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = outputCount
        var result = [Double](repeating: 0, count: batch.rowCount * outputs)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: batch.rowCount * max(1, forest.trees.count),
                                         granularity: Self.lanes * 4) { range in
                    predictRows(range, rows: rowsPointer.pointer!, output: outputPointer.pointer!)
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, doubles: result)
    }

    /// Predicts `range` sixteen rows at a time: the rows' features are transposed into one vector per feature, so
    /// each split is one vector comparison. Every tree's leaf indexes for the block are found first; then each
    /// lane adds its leaves tree after tree, in double and in file order (a single-output sum stays in a register).
    private func predictRows(_ range: Range<Int>, rows: UnsafePointer<Float>, output: UnsafeMutablePointer<Double>) {
        let features = featureCount, outputs = outputCount, trees = firstSplits.count - 1
        withArrays { arrays in
            withUnsafeTemporaryAllocation(of: LeafIndexes.self, capacity: max(1, trees)) { leafIndexes in
                withUnsafeTemporaryAllocation(of: Lanes.self, capacity: features) { columns in
                    for first in stride(from: range.lowerBound, to: range.upperBound, by: Self.lanes) {
                        let count = min(Self.lanes, range.upperBound - first)
                        for feature in 0..<features {
                            var column = Lanes(repeating: 0)
                            for lane in 0..<count { column[lane] = rows[(first + lane) * features + feature] }
                            columns[feature] = column
                        }
                        for tree in 0..<trees { leafIndexes[tree] = Self.leaves(tree: tree, columns: columns, arrays: arrays) }
                        let indexes = UnsafeRawPointer(leafIndexes.baseAddress!).assumingMemoryBound(to: Int32.self)
                        let margins = output + first * outputs
                        for lane in 0..<count {
                            let rowMargins = UnsafeMutableBufferPointer(start: margins + lane * outputs, count: outputs)
                            if outputs == 1 {
                                var sum = 0.0
                                for tree in 0..<trees { sum += arrays.leafValues[arrays.leafStarts[tree] + Int(indexes[tree * Self.lanes + lane])] }
                                rowMargins[0] = sum
                            } else {
                                for tree in 0..<trees {
                                    let leaf = arrays.leafStarts[tree] + Int(indexes[tree * Self.lanes + lane]) * outputs
                                    for output in 0..<outputs { rowMargins[output] += arrays.leafValues[leaf + output] }
                                }
                            }
                            for output in rowMargins.indices { rowMargins[output] = rowMargins[output] * forest.scale + forest.biases[output] }
                            forest.transform.apply(rowMargins)
                        }
                    }
                }
            }
        }
    }

    /// The leaf index of every lane in one tree: split `i` sets bit `i` where `value > border` holds.
    @inline(__always)
    private static func leaves(tree: Int, columns: UnsafeMutableBufferPointer<Lanes>, arrays: Arrays) -> LeafIndexes {
        var leaves = LeafIndexes(repeating: 0)
        let start = arrays.firstSplits[tree]
        for split in start ..< arrays.firstSplits[tree + 1] {
            let values = columns[Int(arrays.splitFeatures[split])]
            let border = Lanes(repeating: arrays.borders[split])
            // `value > border`; a NaN compares false both ways, so `!(value <= border)` holds for it exactly when a
            // missing value should.
            let holds = arrays.missingHolds[split] ? .!(values .<= border) : values .> border
            leaves.replace(with: leaves | Int32(1 << (split - start)), where: holds)
        }
        return leaves
    }

    /// The packed arrays as raw pointers, for the loop above (no bounds checks or reference counting inside it).
    private struct Arrays {
        let firstSplits: UnsafeBufferPointer<Int>
        let leafStarts: UnsafeBufferPointer<Int>
        let splitFeatures: UnsafeBufferPointer<Int32>
        let borders: UnsafeBufferPointer<Float>
        let missingHolds: UnsafeBufferPointer<Bool>
        let leafValues: UnsafeBufferPointer<Double>
    }

    private func withArrays(_ body: (Arrays) -> Void) {
        firstSplits.withUnsafeBufferPointer { firstSplits in
            leafStarts.withUnsafeBufferPointer { leafStarts in
                splitFeatures.withUnsafeBufferPointer { splitFeatures in
                    borders.withUnsafeBufferPointer { borders in
                        missingHolds.withUnsafeBufferPointer { missingHolds in
                            leafValues.withUnsafeBufferPointer { leafValues in
                                body(Arrays(firstSplits: firstSplits, leafStarts: leafStarts, splitFeatures: splitFeatures,
                                            borders: borders, missingHolds: missingHolds, leafValues: leafValues))
                            }
                        }
                    }
                }
            }
        }
    }
}
