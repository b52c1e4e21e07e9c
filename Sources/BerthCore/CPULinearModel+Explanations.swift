/// What a `gblinear` model answers for `explain=`, as xgboost defines it: a feature's contribution is its value
/// times its weight (0 when missing), the bias is the model's bias plus the base margin, so a row's contributions
/// sum to its margin; the margin is that sum. A linear model has no leaves.
extension CPULinearModel {
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let groups = model.groupCount, width = featureCount + 1
        switch kind {
        case .leaves:
            throw ExplanationRefusal("a gblinear model has no trees, so no leaves; explain=contributions and explain=margin work")
        case .contributions:
            var result = [Double](repeating: 0, count: batch.rowCount * groups * width)
            for row in 0..<batch.rowCount {
                for group in 0..<groups {
                    let start = (row * groups + group) * width
                    for feature in 0..<featureCount {
                        let value = batch.values[row * featureCount + feature]
                        if !value.isNaN { result[start + feature] = Double(value * model.weights[feature * groups + group]) }
                    }
                    result[start + featureCount] = Double(model.biases[group] + model.baseMargins[group])
                }
            }
            return Explanations(kind: .contributions, rowCount: batch.rowCount, groupCount: groups, width: width, values: result)
        case .margin:
            let margins = predict(batch, transform: .identity)
            return Explanations(kind: .margin, rowCount: batch.rowCount, groupCount: groups, width: 1, values: margins.values.map(Double.init))
        }
    }
}
