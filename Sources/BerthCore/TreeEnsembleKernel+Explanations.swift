/// What an ONNX tree ensemble explains: its scores before the post transform (`explain=margin`) and the leaf each
/// row reaches in each of the file's trees (`explain=leaves`, numbered by the file's `nodes_nodeids`). Contributions
/// need each node's cover, which an ONNX file does not record (docs/explanations.md).
extension TreeEnsembleKernel {
    /// The scores `scores(of:)` gives, one group per output (one in onnxruntime's binary case: the positive
    /// class's score).
    func margins(of features: TensorView) -> Explanations {
        var values = [Double](repeating: 0, count: features.shape[0] * model.outputCount)
        scores(of: features) { row, group, score in values[row * model.outputCount + group] = Double(score) }
        return Explanations(kind: .margin, rowCount: features.shape[0], groupCount: model.outputCount, width: 1, values: values)
    }

    /// Why `leaves(of:)` cannot answer, or nil when it can.
    var leavesRefusal: ExplanationRefusal? {
        operation.fileTrees == nil
            ? ExplanationRefusal("one of its trees votes for no output, so Berth does not walk that tree")
            : nil
    }

    /// Per row, the file's node id of the leaf each file tree leads it to, trees in the order their ids first appear.
    func leaves(of features: TensorView) throws(ExplanationRefusal) -> Explanations {
        if let leavesRefusal { throw leavesRefusal }
        let fileTrees = operation.fileTrees ?? []
        let rows = features.shape[0]
        let walked = try model.explain(FeatureBatch(rowCount: rows, columnCount: model.featureCount, values: Array(features.buffer)),
                                       as: .leaves)
        var values = [Double](repeating: 0, count: rows * fileTrees.count)
        for row in 0..<rows {
            for (index, tree) in fileTrees.enumerated() {
                let node = Int(walked.values[row * walked.width + tree.irTree])
                precondition(tree.nodeIds.indices.contains(node), "the walked leaf is a node of its IR tree")
                values[row * fileTrees.count + index] = Double(tree.nodeIds[node])
            }
        }
        return Explanations(kind: .leaves, rowCount: rows, groupCount: 1, width: fileTrees.count, values: values)
    }
}
