import CBerthKernels

/// The CPU kernel for `ObliviousForest`s (CatBoost models): rows quantized against the model's borders, then each
/// tree's leaf index built from one code comparison per level across a block of rows, and the leaves summed in double.
///
/// The work is `berth_oblivious_margins` (CBerthKernels/berth_oblivious.c) on the `QuantizedObliviousForest`; this
/// type splits the rows over threads and applies `scale`, the biases and the output transform.
struct CPUObliviousForestModel: CompiledModel {
    let forest: ObliviousForest
    let parallelism: RowParallelism
    let quantized: QuantizedObliviousForest

    var featureCount: Int { forest.featureCount }
    var outputCount: Int { forest.outputCount }
    var residentBytes: Int { quantized.residentBytes }
    var placement: Placement { .cpu }
    /// CatBoost compares float32 but sums, and answers, in double.
    var outputPrecision: FeaturePrecision { .float64 }
    /// Categories are whole numbers of any size, which float32 would round: models with one-hot tests keep the doubles.
    var featurePrecision: FeaturePrecision { forest.oneHotTests.isEmpty ? .float32 : .float64 }

    init(_ forest: ObliviousForest, parallelism: RowParallelism) throws(ModelValidationError) {
        guard forest.featureCount > 0, forest.outputCount > 0 else { throw ModelValidationError("the forest has no features or no outputs") }
        guard forest.biases.count == forest.outputCount, forest.scale.isFinite, forest.biases.allSatisfy(\.isFinite) else {
            throw ModelValidationError("the forest's scale and biases do not match its \(forest.outputCount) outputs")
        }
        if case .softmax = forest.transform, forest.outputCount < 2 {
            throw ModelValidationError("a softmax needs at least two classes, and the forest has \(forest.outputCount)")
        }
        self.forest = forest
        self.parallelism = parallelism
        self.quantized = try QuantizedObliviousForest(forest)
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        predict(batch, transformed: true)
    }

    /// The outputs, or with `transformed` false the margins before the transform (CatBoost's `RawFormulaVal`).
    func predict(_ batch: FeatureBatch, transformed: Bool) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = outputCount, features = forest.kernelFeatureCount
        var result = [Double](repeating: 0, count: batch.rowCount * outputs)
        forest.expandedRows(batch).withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                let blockRows = Int(BERTH_OBLIVIOUS_BLOCK_ROWS)
                parallelism.forEachRange(rowCount: batch.rowCount, work: batch.rowCount * max(1, forest.trees.count),
                                         granularity: blockRows * 2) { range in
                    quantized.withForest { packed in
                        withUnsafeTemporaryAllocation(of: UInt16.self, capacity: berth_oblivious_scratch_count(packed)) { scratch in
                            berth_oblivious_margins(packed, rowsPointer.pointer! + range.lowerBound * features, range.count,
                                                    scratch.baseAddress, outputPointer.pointer! + range.lowerBound * outputs)
                        }
                    }
                    finish(UnsafeMutableBufferPointer(start: outputPointer.pointer! + range.lowerBound * outputs, count: range.count * outputs),
                           transformed: transformed)
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, doubles: result)
    }

    /// `margin · scale + bias`, then (when `transformed`) the transform, row by row.
    private func finish(_ margins: UnsafeMutableBufferPointer<Double>, transformed: Bool) {
        let outputs = outputCount
        for first in stride(from: 0, to: margins.count, by: outputs) {
            let row = UnsafeMutableBufferPointer(rebasing: margins[first ..< first + outputs])
            for output in row.indices { row[output] = row[output] * forest.scale + forest.biases[output] }
            if transformed { forest.transform.apply(row) }
        }
    }
}
