/// What a CatBoost oblivious forest answers for `explain=`: the leaf each tree sends the row to, numbered as
/// CatBoost's `calc_leaf_indexes` numbers them (bit `i` set when the tree's split `i` holds), and the margins before
/// the transform (`prediction_type="RawFormulaVal"`: the scaled leaf sum plus the bias). Contributions would need
/// each leaf's training weight, which Berth does not read from CatBoost files yet, so they are refused.
extension CPUObliviousForestModel {
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        switch kind {
        case .contributions:
            throw ExplanationRefusal("explain=contributions needs each leaf's training weight, which Berth does not read from CatBoost models yet; explain=leaves and explain=margin work")
        case .leaves:
            return leaves(batch)
        case .margin:
            let margins = predict(batch, transformed: false)
            return Explanations(kind: .margin, rowCount: batch.rowCount, groupCount: outputCount, width: 1, values: margins.doubles ?? margins.values.map(Double.init))
        }
    }

    /// Each tree's leaf index for each row, by the split rule the kernel quantizes (`ObliviousTree.Split`): float32
    /// `value > border`, a missing value by `missingHolds`, one-hot tests as their 0/1 columns.
    private func leaves(_ batch: FeatureBatch) -> Explanations {
        let rows = forest.expandedRows(batch), width = forest.kernelFeatureCount, trees = forest.trees.count
        var result = [Double](repeating: 0, count: batch.rowCount * trees)
        for row in 0..<batch.rowCount {
            for (index, tree) in forest.trees.enumerated() {
                var leaf = 0
                for (level, split) in tree.splits.enumerated() {
                    let value = rows[row * width + Int(split.feature)]
                    if value.isNaN ? split.missingHolds : value > split.border { leaf |= 1 << level }
                }
                result[row * trees + index] = Double(leaf)
            }
        }
        return Explanations(kind: .leaves, rowCount: batch.rowCount, groupCount: 1, width: trees, values: result)
    }
}
