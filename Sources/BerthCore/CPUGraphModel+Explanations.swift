/// Explanations of an ONNX graph whose answer comes from one tree ensemble (a scikit-learn forest or gradient
/// boosting model, a CatBoost export; preprocessing before it, such as a Scaler or an Imputer, included): the graph
/// runs up to the ensemble, which explains its own input (`TreeEnsembleKernel`). Any other graph — a network, a
/// linear model, two ensembles, an ensemble whose scores are mixed with something else — is refused, saying why.
extension CPUGraphModel {
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        guard let explainedForest, let forest = steps[explainedForest].kernel as? TreeEnsembleKernel else {
            throw ExplanationRefusal("""
                its answer does not come from one tree ensemble (TreeEnsembleRegressor or TreeEnsembleClassifier) alone; \
                Berth explains ONNX tree ensembles, and XGBoost, LightGBM and CatBoost models
                """)
        }
        switch kind {
        case .contributions:
            throw ExplanationRefusal("""
                contributions need each tree node's cover (how many training rows reached it), which ONNX tree ensembles \
                do not record; explain=leaves and explain=margin work for this model
                """)
        case .leaves:
            if let refusal = forest.leavesRefusal { throw refusal }
        case .margin:
            break
        }
        let input = steps[explainedForest].inputs[0]
        let blocks = inBlocks(batch, stepCount: explainedForest) { view -> Result<Explanations, ExplanationRefusal> in
            kind == .margin ? .success(forest.margins(of: view(input))) : Result { () throws(ExplanationRefusal) in try forest.leaves(of: view(input)) }
        }
        return Explanations(joining: try blocks.map { result throws(ExplanationRefusal) in try result.get() })
    }

    /// Whether `graph` has one tree ensemble and its answer is computed from that ensemble's scores alone (and
    /// constants): every node between them reads nothing else the request computes.
    static func answersFromOneForest(_ graph: OperatorGraph) -> Bool {
        let forests = graph.nodes.indices.filter { if case .treeEnsemble = graph.nodes[$0].operation { true } else { false } }
        guard forests.count == 1 else { return false }
        var constant = Set(graph.constants.keys), fromForest = Set(graph.nodes[forests[0]].outputs)
        for (index, node) in graph.nodes.enumerated() {
            let computed = node.inputs.filter { !$0.isEmpty && !constant.contains($0) }
            if computed.isEmpty {
                constant.formUnion(node.outputs)
            } else if index > forests[0], computed.allSatisfy(fromForest.contains) {
                fromForest.formUnion(node.outputs)
            }
        }
        return fromForest.contains(graph.output)
    }
}
