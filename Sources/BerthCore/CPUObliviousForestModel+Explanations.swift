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

    /// Rows explained together: each tree is walked once for each leaf a block's rows reach.
    static let contributionBlockRows = 256
    /// Rows a thread takes at least: a batch of a few dozen rows already splits, each thread walking the leaves its
    /// own rows reach (100 rows of the benchmark's model: 2,030 → 2,530 rows a second on 2 threads).
    static let contributionSplitRows = 32

    /// Each row's contributions, tree by tree in order: the row's leaf in the tree (`ObliviousTree.leaf(of:)`), that leaf's contributions walked once a block and added, then the tree's expected value;
    /// the model's bias last. A row's answer is summed the same way whatever else is in its batch.
    private func contributions(_ batch: FeatureBatch, shap: ObliviousSHAPForest) -> Explanations {
        let rows = forest.expandedRows(batch), outputs = outputCount, width = featureCount + 1
        var values = [Double](repeating: 0, count: batch.rowCount * outputs * width)
        values.withUnsafeMutableBufferPointer { output in
            let outputPointer = SendableMutablePointer(output.baseAddress)
            rows.withUnsafeBufferPointer { rows in
                let rowsPointer = SendablePointer(rows.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: batch.rowCount * forest.trees.count * outputs * (shap.depth + 1),
                                         granularity: Self.contributionSplitRows) { range in
                    addContributions(of: range, rows: rowsPointer.pointer!, shap: shap, into: outputPointer.pointer!)
                }
            }
        }
        for row in 0..<batch.rowCount {
            for output in 0..<outputs { values[(row * outputs + output) * width + featureCount] += forest.biases[output] }
        }
        return Explanations(kind: .contributions, rowCount: batch.rowCount, groupCount: outputs, width: width, values: values)
    }

    private func addContributions(of range: Range<Int>, rows: UnsafePointer<Float>, shap: ObliviousSHAPForest,
                                  into output: UnsafeMutablePointer<Double>) {
        let outputs = outputCount, width = featureCount + 1, rowWidth = forest.kernelFeatureCount
        let inverses = TreeSHAPPath.inverses(count: shap.depth + 3)
        var scratch = [Double](repeating: 0, count: featureCount)
        var leaves = [Int](repeating: 0, count: Self.contributionBlockRows)
        withUnsafeTemporaryAllocation(of: TreeSHAPPath.Element.self, capacity: TreeSHAPPath.scratchCount(depth: shap.depth)) { path in
            path.initialize(repeating: TreeSHAPPath.Element(feature: -1, zero: 0, one: 0, weight: 0))
            inverses.withUnsafeBufferPointer { inverses in
                scratch.withUnsafeMutableBufferPointer { scratch in
                    for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: Self.contributionBlockRows) {
                        let block = blockStart ..< min(blockStart + Self.contributionBlockRows, range.upperBound)
                        for (index, tree) in forest.trees.enumerated() {
                            for row in block { leaves[row - blockStart] = tree.leaf(of: rows + row * rowWidth) }
                            let columns = shap.treeColumns[index]
                            for group in 0..<outputs {
                                let laidOut = index * outputs + group
                                var known = [Int: [Double]]()
                                for row in block {
                                    let leaf = leaves[row - blockStart]
                                    let phi: [Double]
                                    if let seen = known[leaf] {
                                        phi = seen
                                    } else {
                                        phi = shap.contributions(ofLeaf: leaf, tree: laidOut, columns: columns, path: path.baseAddress!,
                                                                 inverses: inverses.baseAddress!, scratch: scratch.baseAddress!)
                                        known[leaf] = phi
                                    }
                                    let target = output + (row * outputs + group) * width
                                    for (slot, column) in columns.enumerated() { target[Int(column)] += phi[slot] }
                                    target[featureCount] += shap.expectedValues[laidOut]
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Each tree's leaf index for each row, by the split rule the kernel quantizes (`ObliviousTree.leaf(of:)`):
    /// float32 `value > border`, a missing value by `missingHolds`, one-hot tests as their 0/1 columns.
    private func leaves(_ batch: FeatureBatch) -> Explanations {
        let width = forest.kernelFeatureCount, trees = forest.trees.count
        var result = [Double](repeating: 0, count: batch.rowCount * trees)
        forest.expandedRows(batch).withUnsafeBufferPointer { rows in
            for row in 0..<batch.rowCount {
                for (index, tree) in forest.trees.enumerated() {
                    result[row * trees + index] = Double(tree.leaf(of: rows.baseAddress! + row * width))
                }
            }
        }
        return Explanations(kind: .leaves, rowCount: batch.rowCount, groupCount: 1, width: trees, values: result)
    }
}
