/// The CPU kernel for `gblinear` models: a sparse dot product per output group, skipping missing features.
struct CPULinearModel: CompiledModel {
    let model: LinearModel
    let parallelism: RowParallelism

    var featureCount: Int { model.featureCount }
    var outputCount: Int { model.transform.outputCount(groupCount: model.groupCount) }
    var residentBytes: Int { (model.weights.count + model.biases.count + model.baseMargins.count) * 4 }
    var placement: Placement { .cpu }

    init(_ model: LinearModel, parallelism: RowParallelism) throws(ModelValidationError) {
        guard model.groupCount > 0, model.featureCount > 0,
              model.weights.count == model.featureCount * model.groupCount,
              model.biases.count == model.groupCount, model.baseMargins.count == model.groupCount else {
            throw ModelValidationError("the linear model's weights do not match \(model.featureCount) features × \(model.groupCount) groups")
        }
        self.model = model
        self.parallelism = parallelism
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        predict(batch, transform: model.transform)
    }

    /// The predictions with `transform` in place of the model's own (`.identity` answers the margins).
    func predict(_ batch: FeatureBatch, transform: OutputTransform) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let groups = model.groupCount
        let outputs = transform.outputCount(groupCount: groups)
        var result = [Float](repeating: 0, count: batch.rowCount * outputs)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: batch.rowCount * featureCount, granularity: 64) { range in
                    withUnsafeTemporaryAllocation(of: Float.self, capacity: groups) { margins in
                        for row in range {
                            let features = rowsPointer.pointer! + row * featureCount
                            for group in 0..<groups { margins[group] = model.baseMargins[group] + model.biases[group] }
                            for feature in 0..<featureCount where !features[feature].isNaN {
                                for group in 0..<groups {
                                    margins[group] += features[feature] * model.weights[feature * groups + group]
                                }
                            }
                            transform.apply(
                                margins: UnsafeBufferPointer(margins),
                                output: UnsafeMutableBufferPointer(start: outputPointer.pointer! + row * outputs, count: outputs))
                        }
                    }
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, values: result)
    }
}
