/// The CPU kernel for tree ensembles.
///
/// Rows are walked in blocks of `blockSize` with the trees as the outer loop, so one tree's nodes stay in cache
/// while every row of the block visits it (XGBoost's CPU predictor does the same, MODEL-FORMATS.md §5). Large
/// batches are split across cores by `RowParallelism`; a row allocates nothing.
struct CPUTreeEnsembleModel: CompiledModel {
    static let blockSize = 64

    let forest: PackedForest
    let featureCount: Int
    let groupCount: Int
    let baseMargins: [Float]
    let transform: OutputTransform
    let combination: TreeEnsemble.LeafCombination
    let parallelism: RowParallelism

    var outputCount: Int { transform.outputCount(groupCount: groupCount) }

    var residentBytes: Int {
        forest.nodes.count * MemoryLayout<PackedForest.Node>.stride + (forest.roots.count + forest.groups.count) * 4
            + forest.categorySetOfNode.count * 4 + forest.categorySets.count * 8 + forest.categoryWords.count * 4
            + baseMargins.count * 4
    }

    init(_ ensemble: TreeEnsemble, parallelism: RowParallelism) throws(ModelValidationError) {
        guard ensemble.baseMargins.count == ensemble.groupCount, ensemble.groupCount > 0 else {
            throw ModelValidationError("the model has \(ensemble.groupCount) output groups but \(ensemble.baseMargins.count) base scores")
        }
        forest = try PackedForest(ensemble)
        featureCount = ensemble.featureCount
        groupCount = ensemble.groupCount
        baseMargins = ensemble.baseMargins
        transform = ensemble.transform
        combination = ensemble.combination
        self.parallelism = parallelism
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        let outputs = outputCount
        var result = [Float](repeating: 0, count: batch.rowCount * outputs)
        let work = batch.rowCount * max(forest.roots.count, 1)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                parallelism.forEachRange(rowCount: batch.rowCount, work: work, granularity: Self.blockSize) { range in
                    predictRows(range, rows: rowsPointer.pointer!, output: outputPointer.pointer!)
                }
            }
        }
        return Predictions(rowCount: batch.rowCount, columnCount: outputs, values: result)
    }

    private func predictRows(_ range: Range<Int>, rows: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        let groups = groupCount
        let outputs = outputCount
        withUnsafeTemporaryAllocation(of: Float.self, capacity: Self.blockSize * groups) { margins in
            forest.nodes.withUnsafeBufferPointer { nodes in
                var blockStart = range.lowerBound
                while blockStart < range.upperBound {
                    let blockEnd = min(blockStart + Self.blockSize, range.upperBound)
                    let blockRows = blockEnd - blockStart
                    switch combination {
                    case .sum:
                        for row in 0..<blockRows {
                            for group in 0..<groups { margins[row * groups + group] = baseMargins[group] }
                        }
                        for tree in forest.roots.indices {
                            let root = Int(forest.roots[tree])
                            let group = Int(forest.groups[tree])
                            for row in 0..<blockRows {
                                let features = rows + (blockStart + row) * featureCount
                                margins[row * groups + group] += leafValue(nodes: nodes, root: root, features: features)
                            }
                        }
                    case .sumOfVotes, .minimum, .maximum:
                        combineVotes(nodes: nodes, rows: rows, blockStart: blockStart, blockRows: blockRows, margins: margins)
                    }
                    for row in 0..<blockRows {
                        transform.apply(
                            margins: UnsafeBufferPointer(rebasing: margins[row * groups ..< (row + 1) * groups]),
                            output: UnsafeMutableBufferPointer(start: output + (blockStart + row) * outputs, count: outputs))
                    }
                    blockStart = blockEnd
                }
            }
        }
    }

    /// ONNX's aggregates over the leaves that vote (a NaN leaf does not): their sum, smallest or largest, NaN
    /// when no tree voted; then the base margin.
    private func combineVotes(nodes: UnsafeBufferPointer<PackedForest.Node>, rows: UnsafePointer<Float>, blockStart: Int,
                              blockRows: Int, margins: UnsafeMutableBufferPointer<Float>) {
        let groups = groupCount
        for index in 0..<blockRows * groups { margins[index] = .nan }
        for tree in forest.roots.indices {
            let root = Int(forest.roots[tree])
            let group = Int(forest.groups[tree])
            for row in 0..<blockRows {
                let leaf = leafValue(nodes: nodes, root: root, features: rows + (blockStart + row) * featureCount)
                guard !leaf.isNaN else { continue }
                let slot = row * groups + group
                let current = margins[slot]
                switch combination {
                case .minimum: margins[slot] = current.isNaN || leaf < current ? leaf : current
                case .maximum: margins[slot] = current.isNaN || leaf > current ? leaf : current
                default: margins[slot] = current.isNaN ? leaf : current + leaf
                }
            }
        }
        for row in 0..<blockRows {
            for group in 0..<groups { margins[row * groups + group] += baseMargins[group] }
        }
    }

    /// Walks one tree for one row: NaN takes the default branch, categorical splits send listed codes right,
    /// numerical splits go left when `x < threshold` (strict, float32 — a value equal to the threshold goes right).
    @inline(__always)
    private func leafValue(nodes: UnsafeBufferPointer<PackedForest.Node>, root: Int, features: UnsafePointer<Float>) -> Float {
        var index = root
        while true {
            let node = nodes[index]
            let flags = node.featureAndFlags
            if flags & PackedForest.leafFlag != 0 { return node.value }
            let x = features[Int(flags & PackedForest.featureMask)]
            if x.isNaN {
                index = Int(flags & PackedForest.defaultLeftFlag != 0 ? node.left : node.right)
            } else if flags & PackedForest.categoricalFlag != 0 {
                index = Int(categoryGoesRight(x, node: index) ? node.right : node.left)
            } else {
                index = Int(x < node.value ? node.left : node.right)
            }
        }
    }

    private func categoryGoesRight(_ x: Float, node: Int) -> Bool {
        guard x >= 0, x < Float(PackedForest.maxCategory) else { return false }
        let code = Int(x)
        let set = forest.categorySets[Int(forest.categorySetOfNode[node])]
        let word = code >> 5
        guard word < Int(set.count) else { return false }
        return forest.categoryWords[Int(set.offset) + word] & (1 << UInt32(code & 31)) != 0
    }
}
