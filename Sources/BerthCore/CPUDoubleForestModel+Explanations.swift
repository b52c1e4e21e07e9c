/// What a LightGBM forest answers for `explain=`, as LightGBM's `predict` answers it: contributions (`pred_contrib`,
/// exact TreeSHAP weighted by the rows that reached each node, `internal_count` and `leaf_count`, the bias each tree's
/// expected value), the leaf each tree reaches numbered from 0 within its tree (`pred_leaf`), and the margins
/// (`raw_score`: for random forests the trees' sum, which predictions average). CatBoost's non-symmetric trees answer
/// as CatBoost's `ShapValues`, `calc_leaf_indexes` and `RawFormulaVal` do: the same TreeSHAP weighted by the leaves'
/// training weights, one leaf per CatBoost tree (`DoubleForest.LeafListing`), the bias trees' leaves in the bias. Rows
/// are read as for predictions (`DoubleForest.read`: LightGBM's values within ±1e-35 of zero as 0), and each split
/// decides as the kernel's (`DoubleForestWalker.step`).
extension CPUDoubleForestModel {
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        if kind == .margin {
            let margins = predict(batch, transforms: false)
            return Explanations(kind: .margin, rowCount: batch.rowCount, groupCount: forest.groupCount, width: 1,
                                values: margins.doubles ?? margins.values.map(Double.init))
        }
        guard kind == .leaves || !packed.leafCounts.isEmpty else {
            throw ExplanationRefusal("explain=\(kind.rawValue) needs the rows or training weight that reached each node (LightGBM's internal_count and leaf_count, CatBoost's leaf weights), which this model's file does not record; explain=margin works")
        }
        guard kind == .leaves || !packed.linearTrees.contains(true) else {
            throw ExplanationRefusal("LightGBM computes no contributions for linear trees, and neither does Berth; explain=leaves and explain=margin work")
        }
        let rows = readRows(batch)
        return packed.withWalker { walker in
            kind == .leaves ? leaves(rows, count: batch.rowCount, walker: walker) : contributions(rows, count: batch.rowCount, walker: walker)
        }
    }

    /// The rows as the kernel reads them.
    private func readRows(_ batch: FeatureBatch) -> [Double] {
        batch.wideValues.map(forest.read)
    }

    private func leaves(_ rows: [Double], count: Int, walker: DoubleForestWalker) -> Explanations {
        let listed = forest.listedLeafTrees, trees = listed.count
        var result = [Double](repeating: 0, count: count * trees)
        rows.withUnsafeBufferPointer { rows in
            for row in 0..<count {
                for (place, tree) in listed.enumerated() {
                    let leaf = ~walker.walk(from: packed.roots[tree], row: rows.baseAddress! + row * featureCount)
                    result[row * trees + place] = Double(leaf - packed.leafStarts[tree])
                }
            }
        }
        return Explanations(kind: .leaves, rowCount: count, groupCount: 1, width: trees, values: result)
    }

    private func contributions(_ rows: [Double], count: Int, walker: DoubleForestWalker) -> Explanations {
        // The most splits on any root-to-leaf path, which sizes TreeSHAP's scratch (worked out once, at packing).
        let groups = forest.groupCount, depth = Int(packed.depths.max() ?? 0)
        let expected = treeExpectations()
        let walked = SHAPForest(walker: walker, splitCounts: packed.splitCounts, leafCounts: packed.leafCounts)
        let values = rows.withUnsafeBufferPointer { rows in
            let base = rows.baseAddress!, features = featureCount
            return TreeSHAPBatch(forest: walked, rowCount: count, row: { base + $0 * features }, treeCount: packed.roots.count,
                                 root: { packed.roots[$0] }, group: { $0 % groups }, treeBias: { expected[$0] },
                                 featureCount: featureCount, groupCount: groups, depth: depth,
                                 work: count * max(1, packed.leafValues.count) * (depth + 1))
                .run(parallelism: parallelism)
        }
        return Explanations(kind: .contributions, rowCount: count, groupCount: groups, width: featureCount + 1, values: values)
    }

    /// Each tree's expected value, as LightGBM computes it: its leaves weighted by their row counts over the root's.
    private func treeExpectations() -> [Double] {
        packed.roots.indices.map { tree in
            let root = packed.roots[tree]
            let first = Int(packed.leafStarts[tree])
            let last = tree + 1 < packed.leafStarts.count ? Int(packed.leafStarts[tree + 1]) : packed.leafValues.count
            guard root >= 0 else { return packed.leafValues[first] }
            // A tree no training row reached (weights all 0) expects nothing: its rows' leaves go to their features.
            let total = packed.splitCounts[Int(root)]
            return total > 0 ? (first..<last).reduce(0.0) { $0 + packed.leafValues[$1] * packed.leafCounts[$1] } / total : 0
        }
    }

    /// The packed forest as TreeSHAP walks it: splits by their index, leaves by `~index`.
    struct SHAPForest: TreeSHAPForest {
        let walker: DoubleForestWalker
        let splitCounts: [Double]
        let leafCounts: [Double]

        @inline(__always)
        func leafValue(_ node: Int32) -> Double? { node < 0 ? walker.leafValues[Int(~node)] : nil }

        @inline(__always)
        func cover(_ node: Int32) -> Double { node < 0 ? leafCounts[Int(~node)] : splitCounts[Int(node)] }

        @inline(__always)
        func split(_ node: Int32, row: UnsafePointer<Double>) -> (feature: Int32, hot: Int32, cold: Int32) {
            let split = walker.splits[Int(node)]
            let hot = walker.step(node, row: row)
            return (split.feature, hot, hot == split.left ? split.right : split.left)
        }
    }
}
