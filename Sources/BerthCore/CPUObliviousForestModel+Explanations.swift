/// What a CatBoost oblivious forest answers for `explain=`: contributions as CatBoost's `ShapValues` gives them
/// (exact TreeSHAP on each tree with its last split at the root, nodes weighted by the training weight of their
/// leaves, a one-hot test counted to its categorical column, the bias the trees' expected values plus the model's
/// bias), the leaf each tree sends the row to, numbered as CatBoost's `calc_leaf_indexes` numbers them (bit `i` set
/// when the tree's split `i` holds), and the margins before the transform (`prediction_type="RawFormulaVal"`: the
/// scaled leaf sum plus the bias).
extension CPUObliviousForestModel {
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        switch kind {
        case .contributions:
            return contributions(batch, shap: try ObliviousSHAPForest(forest))
        case .leaves:
            return leaves(batch)
        case .margin:
            let margins = predict(batch, transformed: false)
            return Explanations(kind: .margin, rowCount: batch.rowCount, groupCount: outputCount, width: 1, values: margins.doubles ?? margins.values.map(Double.init))
        }
    }

    private func contributions(_ batch: FeatureBatch, shap: ObliviousSHAPForest) -> Explanations {
        let rows = forest.expandedRows(batch), width = forest.kernelFeatureCount, outputs = outputCount
        var values = rows.withUnsafeBufferPointer { rows in
            let base = rows.baseAddress!
            return TreeSHAPBatch(forest: shap, rowCount: batch.rowCount, row: { base + $0 * width }, treeCount: shap.roots.count,
                                 root: { shap.roots[$0] }, group: { $0 % outputs }, treeBias: { shap.expectedValues[$0] },
                                 featureCount: featureCount, groupCount: outputs, depth: shap.depth,
                                 work: batch.rowCount * max(1, shap.nodeCount) * (shap.depth + 1))
                .run(parallelism: parallelism)
        }
        let perRow = outputs * (featureCount + 1)
        for row in 0..<batch.rowCount {
            for output in 0..<outputs { values[row * perRow + output * (featureCount + 1) + featureCount] += forest.biases[output] }
        }
        return Explanations(kind: .contributions, rowCount: batch.rowCount, groupCount: outputs, width: featureCount + 1, values: values)
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
