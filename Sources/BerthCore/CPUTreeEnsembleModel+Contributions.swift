/// Feature contributions of XGBoost forests: exact path-dependent TreeSHAP, as xgboost's `pred_contribs` computes
/// them (docs/explanations.md).
///
/// For each tree, the row walks every path at once: at a split, the branch the row takes (by the kernel's own
/// decision: `step`'s rule, NaN by the default, categories by the set) carries the row, both branches carry the
/// share of the training cover that reached them (`PackedForest.covers`), and at each leaf every feature on the
/// path gets the leaf value times the Shapley weight of the paths it decided (`TreeSHAPPath`). The bias is the
/// tree's expected value under the covers (`nodeMeans` of its root) and the model's base margin, so a row's
/// contributions sum to its margin. Leaves carry DART's tree weights already, which scale a tree's contributions as
/// xgboost scales them.
extension CPUTreeEnsembleModel {
    /// Every node's expected leaf value under the training cover: a leaf its value, a split the cover-weighted mean
    /// of its children's, divided by its own cover as xgboost divides it. Empty when the forest has no covers.
    /// Kept as float32, as xgboost keeps them, to add 4 bytes a node rather than 8.
    static func nodeMeans(_ forest: PackedForest) -> [Float] {
        guard !forest.covers.isEmpty else { return [] }
        var means = [Float](repeating: 0, count: forest.nodes.count)
        for root in forest.roots {
            // Children come after their parent within a tree, so a walk from the tree's last node back to its root
            // sees every child before its parent.
            var stack = [Int(root)], order = [Int]()
            while let node = stack.popLast() {
                order.append(node)
                let packed = forest.nodes[node]
                if packed.featureAndFlags & PackedForest.leafFlag == 0 { stack += [Int(packed.left), Int(packed.right)] }
            }
            for node in order.reversed() {
                let packed = forest.nodes[node]
                if packed.featureAndFlags & PackedForest.leafFlag != 0 {
                    means[node] = packed.value
                } else {
                    let left = Int(packed.left), right = Int(packed.right)
                    let sum = Double(means[left]) * Double(forest.covers[left]) + Double(means[right]) * Double(forest.covers[right])
                    means[node] = Float(sum / Double(forest.covers[node]))
                }
            }
        }
        return means
    }

    /// The batch's contributions: per row, per group, `featureCount` values then the bias.
    func contributions(_ batch: FeatureBatch) throws(ExplanationRefusal) -> Explanations {
        guard !forest.covers.isEmpty else {
            throw ExplanationRefusal("explain=contributions needs each node's cover (sum_hess), which this model's file does not record (ONNX tree ensembles have none); explain=leaves and explain=margin work")
        }
        guard combination == .sum else {
            throw ExplanationRefusal("explain=contributions needs a forest whose leaves are summed; this one combines votes")
        }
        let width = featureCount + 1, perRow = groupCount * width
        var result = [Double](repeating: 0, count: batch.rowCount * perRow)
        let depth = Int(forest.depths.max() ?? 0)
        batch.values.withUnsafeBufferPointer { rows in
            result.withUnsafeMutableBufferPointer { output in
                let rowsPointer = SendablePointer(rows.baseAddress)
                let outputPointer = SendableMutablePointer(output.baseAddress)
                let work = batch.rowCount * max(1, forest.nodes.count) * (depth + 1)
                parallelism.forEachRange(rowCount: batch.rowCount, work: work, granularity: 1) { range in
                    let inverses = TreeSHAPPath.inverses(count: depth + 3)
                    withUnsafeTemporaryAllocation(of: TreeSHAPPath.Element.self, capacity: TreeSHAPPath.scratchCount(depth: depth)) { path in
                        path.initialize(repeating: TreeSHAPPath.Element(feature: -1, zero: 0, one: 0, weight: 0))
                        inverses.withUnsafeBufferPointer { inverses in
                            for row in range {
                                contributions(row: rowsPointer.pointer! + row * featureCount, path: path.baseAddress!,
                                              inverses: inverses.baseAddress!, phi: outputPointer.pointer! + row * perRow)
                            }
                        }
                    }
                }
            }
        }
        return Explanations(kind: .contributions, rowCount: batch.rowCount, groupCount: groupCount, width: width, values: result)
    }

    private func contributions(row: UnsafePointer<Float>, path: UnsafeMutablePointer<TreeSHAPPath.Element>,
                               inverses: UnsafePointer<Double>, phi: UnsafeMutablePointer<Double>) {
        let width = featureCount + 1
        for tree in forest.roots.indices {
            let root = Int(forest.roots[tree])
            let groupPhi = phi + Int(forest.groups[tree]) * width
            recurse(node: root, row: row, parentPath: path, parentDepth: 0, zero: 1, one: 1, feature: -1, inverses: inverses, phi: groupPhi)
            groupPhi[featureCount] += Double(nodeMeans[root])
        }
        for group in 0..<groupCount { phi[group * width + featureCount] += Double(baseMargins[group]) }
    }

    /// One node of one row's walk: its path is the parent's, copied just past it, extended by the split that led here.
    private func recurse(node: Int, row: UnsafePointer<Float>, parentPath: UnsafeMutablePointer<TreeSHAPPath.Element>,
                         parentDepth: Int, zero: Double, one: Double, feature: Int32, inverses: UnsafePointer<Double>,
                         phi: UnsafeMutablePointer<Double>) {
        let path = parentPath + parentDepth + 1
        path.update(from: parentPath, count: parentDepth + 1)
        var depth = parentDepth
        TreeSHAPPath.extend(path, depth: depth, zero: zero, one: one, feature: feature)
        let packed = forest.nodes[node]
        let flags = packed.featureAndFlags
        if flags & PackedForest.leafFlag != 0 {
            let value = Double(packed.value)
            if depth > 0 {
                for position in 1...depth {
                    let element = path[position]
                    let weight = TreeSHAPPath.unwoundSum(path, depth: depth, position: position, inverses: inverses)
                    phi[Int(element.feature)] += weight * (element.one - element.zero) * value
                }
            }
            return
        }
        let split = Int32(flags & PackedForest.featureMask)
        let x = row[Int(split)]
        let goesLeft = x.isNaN ? flags & PackedForest.defaultLeftFlag != 0
            : flags & PackedForest.categoricalFlag != 0 ? !categoryGoesRight(x, node: node) : x < packed.value
        let hot = Int(goesLeft ? packed.left : packed.right), cold = Int(goesLeft ? packed.right : packed.left)
        let cover = Double(forest.covers[node])
        var incomingZero = 1.0, incomingOne = 1.0
        // A feature split on again higher up: undo that split so this one decides for both.
        var position = 0
        while position <= depth && path[position].feature != split { position += 1 }
        if position <= depth {
            incomingZero = path[position].zero
            incomingOne = path[position].one
            TreeSHAPPath.unwind(path, depth: depth, position: position)
            depth -= 1
        }
        recurse(node: hot, row: row, parentPath: path, parentDepth: depth + 1, zero: Double(forest.covers[hot]) / cover * incomingZero,
                one: incomingOne, feature: split, inverses: inverses, phi: phi)
        recurse(node: cold, row: row, parentPath: path, parentDepth: depth + 1, zero: Double(forest.covers[cold]) / cover * incomingZero,
                one: 0, feature: split, inverses: inverses, phi: phi)
    }
}
