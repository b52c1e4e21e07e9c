/// What an XGBoost forest answers for `explain=`: contributions (`CPUTreeEnsembleModel+Contributions`), the leaf
/// each tree reaches, numbered as xgboost numbers a tree's nodes (`pred_leaf`), and the margins before the
/// objective's transform (`output_margin`).
extension CPUTreeEnsembleModel {
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        switch kind {
        case .contributions:
            return try contributions(batch)
        case .leaves:
            return leaves(batch)
        case .margin:
            let margins = predict(batch, transform: .identity)
            return Explanations(kind: .margin, rowCount: batch.rowCount, groupCount: groupCount, width: 1,
                                values: margins.values.map(Double.init))
        }
    }

    /// A packed tree keeps xgboost's node numbering from its root (`PackedForest` appends a tree's nodes in
    /// order), so a leaf's number is its index less the root's.
    private func leaves(_ batch: FeatureBatch) -> Explanations {
        let trees = forest.roots.count
        var result = [Double](repeating: 0, count: batch.rowCount * trees)
        forest.nodes.withUnsafeBufferPointer { nodes in
            batch.values.withUnsafeBufferPointer { rows in
                result.withUnsafeMutableBufferPointer { output in
                    let rowsPointer = SendablePointer(rows.baseAddress)
                    let outputPointer = SendableMutablePointer(output.baseAddress)
                    let nodesPointer = SendablePointer(nodes.baseAddress)
                    parallelism.forEachRange(rowCount: batch.rowCount, work: batch.rowCount * max(1, trees), granularity: Self.blockSize) { range in
                        let nodes = UnsafeBufferPointer(start: nodesPointer.pointer, count: forest.nodes.count)
                        for row in range {
                            let features = rowsPointer.pointer! + row * featureCount
                            for (tree, root) in forest.roots.enumerated() {
                                outputPointer.pointer![row * trees + tree] = Double(leaf(from: root, nodes: nodes, features: features) - root)
                            }
                        }
                    }
                }
            }
        }
        return Explanations(kind: .leaves, rowCount: batch.rowCount, groupCount: 1, width: trees, values: result)
    }
}
