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

    /// Rows whose leaves in a tree are found together, and whose chunk sums are kept together; a thread walks each
    /// tree once for each leaf its rows reach, across blocks (`WalkedLeaves`).
    static let contributionBlockRows = 256
    /// Rows a thread takes at least: a batch of a few dozen rows already splits, each thread walking the leaves its
    /// own rows reach (100 rows of the benchmark's model: 2,030 → 2,530 rows a second on 2 threads).
    static let contributionSplitRows = 32
    /// Trees summed apart before their sum joins a row's: a row's answer is its chunks' sums added in order, so a
    /// batch too small to split by rows (one row, the real-time case) can split by chunks and still give every row
    /// the bits it gets in any other batch.
    static let contributionChunkTrees = 32
    /// The most values a batch split by chunks keeps apart (one set per chunk): 8 MiB of doubles.
    static let chunkedValuesLimit = 1 << 20

    /// Each row's contributions: tree by tree, in chunks of `contributionChunkTrees`, the row's leaf in the tree
    /// (`ObliviousTree.leaf(of:)`), that leaf's contributions (walked the first time a thread's row reaches it) and
    /// then the tree's expected value added; each chunk's sum added to the row's in order, the model's bias last.
    private func contributions(_ batch: FeatureBatch, shap: ObliviousSHAPForest) -> Explanations {
        let rows = forest.expandedRows(batch), outputs = outputCount, width = featureCount + 1
        let rowCount = batch.rowCount, perRow = outputs * width
        let chunks = (forest.trees.count + Self.contributionChunkTrees - 1) / Self.contributionChunkTrees
        // A tree is walked once for each distinct leaf its rows reach, each walk visiting every node: 2^depth leaves
        // of depth + 1 steps each.
        let leaves = 1 << min(shap.depth, 20)
        let work = min(rowCount, leaves) * forest.trees.count * outputs * leaves * (shap.depth + 1)
        var values = [Double](repeating: 0, count: rowCount * perRow)
        rows.withUnsafeBufferPointer { rows in
            let rowsPointer = SendablePointer(rows.baseAddress)
            if rowCount < Self.contributionSplitRows, chunks > 1, chunks * values.count <= Self.chunkedValuesLimit {
                // Too few rows to split: the chunks split instead, each summed apart, then added in order.
                var sums = [Double](repeating: 0, count: chunks * values.count)
                sums.withUnsafeMutableBufferPointer { sums in
                    let sumsPointer = SendableMutablePointer(sums.baseAddress), size = rowCount * perRow
                    parallelism.forEachRange(rowCount: chunks, work: work, granularity: 1) { chunkRange in
                        let scratch = ObliviousSHAPForest.Scratch(depth: shap.depth, featureCount: featureCount, rows: rowCount)
                        for chunk in chunkRange {
                            var walked = walkedLeaves(trees: trees(ofChunk: chunk), shap: shap)
                            addContributions(of: 0..<rowCount, trees: trees(ofChunk: chunk), features: rowsPointer.pointer!, shap: shap,
                                             scratch: scratch, walked: &walked, into: sumsPointer.pointer! + chunk * size, firstRow: 0)
                        }
                    }
                }
                for chunk in 0..<chunks {
                    for index in values.indices { values[index] += sums[chunk * values.count + index] }
                }
            } else {
                values.withUnsafeMutableBufferPointer { output in
                    let outputPointer = SendableMutablePointer(output.baseAddress)
                    parallelism.forEachRange(rowCount: rowCount, work: work, granularity: Self.contributionSplitRows) { range in
                        addContributionsByChunk(of: range, chunks: chunks, rows: rowsPointer.pointer!, shap: shap, into: outputPointer.pointer!)
                    }
                }
            }
        }
        for row in 0..<rowCount {
            for output in 0..<outputs { values[(row * outputs + output) * width + featureCount] += forest.biases[output] }
        }
        return Explanations(kind: .contributions, rowCount: rowCount, groupCount: outputs, width: width, values: values)
    }

    private func trees(ofChunk chunk: Int) -> Range<Int> {
        chunk * Self.contributionChunkTrees ..< min((chunk + 1) * Self.contributionChunkTrees, forest.trees.count)
    }

    /// The most values a thread keeps of the leaves it has walked, for every tree of its call (`WalkedLeaves`):
    /// 8 MiB of doubles. The benchmark's model needs 1.5 MiB.
    static let walkedLeavesLimit = 1 << 20

    private func walkedLeaves(trees: Range<Int>, shap: ObliviousSHAPForest) -> WalkedLeaves {
        WalkedLeaves(forest, trees: trees, columnCounts: { shap.treeColumns[$0].count }, limit: Self.walkedLeavesLimit)
    }

    /// `range`'s rows a block at a time, each chunk's trees summed apart and then added to the rows' values.
    private func addContributionsByChunk(of range: Range<Int>, chunks: Int, rows: UnsafePointer<Float>, shap: ObliviousSHAPForest,
                                         into output: UnsafeMutablePointer<Double>) {
        let perRow = outputCount * (featureCount + 1)
        let scratch = ObliviousSHAPForest.Scratch(depth: shap.depth, featureCount: featureCount, rows: Self.contributionBlockRows)
        var walked = walkedLeaves(trees: 0..<forest.trees.count, shap: shap)
        var sums = [Double](repeating: 0, count: min(Self.contributionBlockRows, range.count) * perRow)
        sums.withUnsafeMutableBufferPointer { sums in
            for blockStart in stride(from: range.lowerBound, to: range.upperBound, by: Self.contributionBlockRows) {
                let block = blockStart ..< min(blockStart + Self.contributionBlockRows, range.upperBound)
                let blockValues = block.count * perRow, target = output + blockStart * perRow
                for chunk in 0..<chunks {
                    sums.baseAddress!.update(repeating: 0, count: blockValues)
                    addContributions(of: block, trees: trees(ofChunk: chunk), features: rows, shap: shap, scratch: scratch, walked: &walked,
                                     into: sums.baseAddress!, firstRow: blockStart)
                    for index in 0..<blockValues { target[index] += sums[index] }
                }
            }
        }
    }

    /// Adds the contributions of `trees` to each row of `block` (at most `contributionBlockRows` rows) into `output`
    /// (row r's values at (r − firstRow) · perRow): a leaf's contributions are walked the first time a row reaches it
    /// (`walked`) and added to each row that does.
    private func addContributions(of block: Range<Int>, trees: Range<Int>, features: UnsafePointer<Float>, shap: ObliviousSHAPForest,
                                  scratch: ObliviousSHAPForest.Scratch, walked: inout WalkedLeaves,
                                  into output: UnsafeMutablePointer<Double>, firstRow: Int) {
        precondition(block.count <= Self.contributionBlockRows, "a block at a time")
        let outputs = outputCount, width = featureCount + 1, rowWidth = forest.kernelFeatureCount
        let leaves = scratch.leaves, firstInBlock = block.lowerBound
        shap.splitColumns.withUnsafeBufferPointer { splitColumns in
            for index in trees {
                let tree = forest.trees[index], levels = tree.splits.count, columns = shap.treeColumns[index]
                for row in block { leaves[row - firstInBlock] = tree.leaf(of: features + row * rowWidth) }
                var coversSummed = false
                tree.leafValues.withUnsafeBufferPointer { leafValues in
                    for group in 0..<outputs {
                        let walkedTree = ObliviousSHAPTree(levels: levels, leafValues: leafValues.baseAddress!, outputs: outputs, output: group,
                                                           scale: forest.scale, covers: scratch.covers,
                                                           columns: splitColumns.baseAddress! + shap.splitColumnStarts[index])
                        let expected = shap.expectedValues[index * outputs + group]
                        let start = walked.start(tree: index, output: group, leafCount: 1 << levels)
                        for row in block {
                            let leaf = leaves[row - firstInBlock]
                            let first = walked.values(of: leaf, start: start, columns: columns.count) { values in
                                if !coversSummed {
                                    ObliviousSHAPTree.sumCovers(tree.leafWeights, levels: levels, into: scratch.covers)
                                    coversSummed = true
                                }
                                shap.contributions(ofLeaf: leaf, tree: walkedTree, columns: columns, scratch: scratch, into: values)
                            }
                            let target = output + ((row - firstRow) * outputs + group) * width
                            for (slot, column) in columns.enumerated() { target[Int(column)] += walked.values[first + slot] }
                            target[featureCount] += expected
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
