/// Feature contributions of XGBoost forests: exact path-dependent TreeSHAP, as xgboost's `pred_contribs` computes
/// them (docs/explanations.md).
///
/// For each tree, the row walks every path at once: at a split, the branch the row takes (by the kernel's own
/// decision: `step`'s rule, NaN by the default, categories by the set) carries the row, both branches carry the
/// share of the training cover that reached them (`PackedForest.covers`), and at each leaf every feature on the
/// path gets the leaf value times the Shapley weight of the paths it decided (`TreeSHAPPath`). The bias is the
/// tree's expected value under the covers (`PackedForest.treeMeans`, worked out on the first call) and the model's base margin, so a row's
/// contributions sum to its margin. Leaves carry DART's tree weights already, which scale a tree's contributions as
/// xgboost scales them.
extension CPUTreeEnsembleModel {
    /// The batch's contributions: per row, per group, `featureCount` values then the bias.
    func contributions(_ batch: FeatureBatch) throws(ExplanationRefusal) -> Explanations {
        guard !forest.covers.isEmpty else {
            throw ExplanationRefusal("explain=contributions needs each node's cover (sum_hess), which this model's file does not record (ONNX tree ensembles have none); explain=leaves and explain=margin work")
        }
        guard combination == .sum else {
            throw ExplanationRefusal("explain=contributions needs a forest whose leaves are summed; this one combines votes")
        }
        let width = featureCount + 1, perRow = groupCount * width
        let depth = Int(forest.depths.max() ?? 0)
        let means = treeMeans.value { forest.treeMeans() }
        var result = batch.values.withUnsafeBufferPointer { rows in
            let base = rows.baseAddress!, features = featureCount
            return TreeSHAPBatch(forest: SHAPForest(model: self), rowCount: batch.rowCount, row: { base + $0 * features },
                                 treeCount: forest.roots.count, root: { forest.roots[$0] }, group: { Int(forest.groups[$0]) },
                                 treeBias: { Double(means[$0]) }, featureCount: featureCount,
                                 groupCount: groupCount, depth: depth, work: batch.rowCount * max(1, forest.nodes.count) * (depth + 1))
                .run(parallelism: parallelism)
        }
        for row in 0..<batch.rowCount {
            for group in 0..<groupCount { result[row * perRow + group * width + featureCount] += Double(baseMargins[group]) }
        }
        return Explanations(kind: .contributions, rowCount: batch.rowCount, groupCount: groupCount, width: width, values: result)
    }

    /// The packed forest as TreeSHAP walks it: the kernel's own decision at each split (`x < threshold` in float32,
    /// NaN by the default, categories by the set) and `PackedForest.covers`.
    struct SHAPForest: TreeSHAPForest {
        let model: CPUTreeEnsembleModel

        @inline(__always)
        func leafValue(_ node: Int32) -> Double? {
            let packed = model.forest.nodes[Int(node)]
            return packed.featureAndFlags & PackedForest.leafFlag != 0 ? Double(packed.value) : nil
        }

        @inline(__always)
        func cover(_ node: Int32) -> Double { Double(model.forest.covers[Int(node)]) }

        @inline(__always)
        func split(_ node: Int32, row: UnsafePointer<Float>) -> (feature: Int32, hot: Int32, cold: Int32) {
            let packed = model.forest.nodes[Int(node)]
            let flags = packed.featureAndFlags
            let feature = Int32(flags & PackedForest.featureMask)
            let x = row[Int(feature)]
            let goesLeft = x.isNaN ? flags & PackedForest.defaultLeftFlag != 0
                : flags & PackedForest.categoricalFlag != 0 ? !model.categoryGoesRight(x, node: Int(node)) : x < packed.value
            return goesLeft ? (feature, packed.left, packed.right) : (feature, packed.right, packed.left)
        }
    }
}
