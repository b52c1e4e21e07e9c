/// The CPU kernel for `ObliviousForest`s (CatBoost models): per row and tree, the leaf index is built from one
/// float32 comparison per level, and the leaves are summed in double.
///
/// The splits of all trees are packed into flat arrays (feature, border, missing bit) with each tree's first
/// split and depth, so a row's walk is a run of independent comparisons with no branches to mispredict.
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

    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = outputCount, features = featureCount
        var result = [Double](repeating: 0, count: batch.rowCount * outputs)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: batch.rowCount * max(1, forest.trees.count), granularity: 16) { range in
                    for row in range {
                        let margins = UnsafeMutableBufferPointer(start: outputPointer.pointer! + row * outputs, count: outputs)
                        addLeaves(row: rowsPointer.pointer! + row * features, into: margins)
                        for output in margins.indices { margins[output] = margins[output] * forest.scale + forest.biases[output] }
                        forest.transform.apply(margins)
                    }
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, doubles: result)
    }

    /// Adds each tree's leaf for one row to its margins, tree after tree.
    private func addLeaves(row: UnsafePointer<Float>, into margins: UnsafeMutableBufferPointer<Double>) {
        splitFeatures.withUnsafeBufferPointer { features in
            borders.withUnsafeBufferPointer { borders in
                missingHolds.withUnsafeBufferPointer { missing in
                    leafValues.withUnsafeBufferPointer { leaves in
                        for tree in 0 ..< firstSplits.count - 1 {
                            var leaf = 0
                            for split in firstSplits[tree] ..< firstSplits[tree + 1] {
                                let value = row[Int(features[split])]
                                let holds = value.isNaN ? missing[split] : value > borders[split]
                                leaf |= (holds ? 1 : 0) << (split - firstSplits[tree])
                            }
                            let start = leafStarts[tree] + leaf * margins.count
                            for output in margins.indices { margins[output] += leaves[start + output] }
                        }
                    }
                }
            }
        }
    }
}
