import BerthCore
import BerthText

/// Turns an `ai.onnx.ml` TreeEnsembleRegressor or TreeEnsembleClassifier into the tree IR the XGBoost models use,
/// so both run on the same kernel (docs/model-formats.md §3.3).
///
/// The IR's one comparison is `x < threshold` (left when true), so every ONNX mode is rewritten exactly:
/// `x <= v` is `x < nextUp(v)`; `>=` and `>` swap the children; `==` and `!=` become two comparisons, with the
/// subtree they share copied. NaN follows onnxruntime: it takes the true branch for `!=` or when
/// `nodes_missing_value_tracks_true` is set, the false branch otherwise. A tree whose leaves vote for several
/// outputs becomes one IR tree per output.
struct ONNXTreeEnsembleConverter {
    let node: ONNXNodeProto
    let attribute: (String) -> ONNXAttribute?

    struct Result {
        let operation: TreeEnsembleOperation
        /// A classifier's labels, in class order.
        let labels: ClassLabels?
    }

    /// Deeper trees are refused (as in the XGBoost readers): no real model is this deep.
    static let maxDepth = 4096

    func convert(isClassifier: Bool) throws(ModelReadError.Reason) -> Result {
        let treeIds = ints("nodes_treeids"), nodeIds = ints("nodes_nodeids"), features = ints("nodes_featureids")
        let modes = attribute("nodes_modes")?.strings ?? []
        let trueIds = ints("nodes_truenodeids"), falseIds = ints("nodes_falsenodeids")
        let thresholds = attribute("nodes_values_as_tensor")?.tensor?.values ?? attribute("nodes_values")?.floats ?? []
        let count = treeIds.count
        var tracksTrue = ints("nodes_missing_value_tracks_true")
        if tracksTrue.isEmpty { tracksTrue = [Int](repeating: 0, count: count) }
        guard count > 0, [nodeIds.count, features.count, modes.count, trueIds.count, falseIds.count, thresholds.count, tracksTrue.count]
            .allSatisfy({ $0 == count }) else {
            throw .init("the node attribute arrays of \(node.opType) \(quoted: node.name) have different lengths")
        }
        let prefix = isClassifier ? "class" : "target"
        let voteTrees = ints("\(prefix)_treeids"), voteNodes = ints("\(prefix)_nodeids"), voteTargets = ints("\(prefix)_ids")
        let voteWeights = attribute("\(prefix)_weights_as_tensor")?.tensor?.values ?? attribute("\(prefix)_weights")?.floats ?? []
        guard [voteNodes.count, voteTargets.count, voteWeights.count].allSatisfy({ $0 == voteTrees.count }) else {
            throw .init("the leaf attribute arrays of \(node.opType) \(quoted: node.name) have different lengths")
        }

        // Outputs: targets for a regressor; classes for a classifier, or one column for onnxruntime's binary case.
        var labels: ClassLabels?
        var groupCount: Int
        var groupOfTarget: (Int) -> Int? = { $0 }
        var widening: TreeEnsembleOperation.BinaryWidening?
        if isClassifier {
            if let strings = attribute("classlabels_strings")?.strings, !strings.isEmpty {
                labels = .strings(strings)
            } else {
                labels = .integers(ints("classlabels_int64s"))
            }
            groupCount = labels!.count
            guard groupCount >= 2 else { throw .init("\(node.opType) \(quoted: node.name) names \(groupCount) class labels") }
            let usedClasses = Set(voteTargets)
            if groupCount == 2 && usedClasses.count == 1 {
                let only = usedClasses.first!
                groupCount = 1
                groupOfTarget = { $0 == only ? 0 : nil }
                widening = voteWeights.allSatisfy { $0 >= 0 } ? .complement : .negation
            }
        } else {
            groupCount = attribute("n_targets")?.int ?? 1
        }
        guard groupCount >= 1, groupCount <= 1 << 16 else { throw .init("\(node.opType) \(quoted: node.name) declares \(groupCount) outputs") }

        var votes = [Int: [(group: Int, weight: Float)]]()
        var trees = [Int: [Int]]()
        var treeOrder = [Int]()
        for index in 0..<count {
            if trees[treeIds[index]] == nil { treeOrder.append(treeIds[index]) }
            trees[treeIds[index], default: []].append(index)
        }
        for index in voteTrees.indices {
            guard let group = groupOfTarget(voteTargets[index]), group >= 0, group < groupCount else {
                throw .init("\(node.opType) \(quoted: node.name) votes for output \(voteTargets[index]) of \(groupCount)")
            }
            guard let members = trees[voteTrees[index]], let leaf = members.first(where: { nodeIds[$0] == voteNodes[index] }) else {
                throw .init("\(node.opType) \(quoted: node.name) has a vote for node \(voteNodes[index]) of tree \(voteTrees[index]), which does not exist")
            }
            votes[leaf, default: []].append((group, voteWeights[index]))
        }

        var irTrees = [DecisionTree]()
        var irGroups = [Int]()
        var fileTrees: [TreeEnsembleOperation.FileTree]? = []
        var maxFeature = 0
        for treeId in treeOrder {
            let members = trees[treeId]!
            var local = [Int: Int]()
            for index in members { local[nodeIds[index]] = index }
            let children = Set(members.flatMap { modes[$0] == "LEAF" ? [] : [trueIds[$0], falseIds[$0]] })
            let roots = members.filter { !children.contains(nodeIds[$0]) }
            guard roots.count == 1 else { throw .init("tree \(treeId) of \(quoted: node.name) has \(roots.count) roots (a cycle or a forest)") }
            let groups = Set(members.flatMap { votes[$0]?.map(\.group) ?? [] }).sorted()
            if groups.isEmpty { fileTrees = nil }
            for group in groups {
                let (tree, sources) = try buildTree(root: roots[0], treeId: treeId, local: local, group: group, modes: modes, features: features,
                                                    thresholds: thresholds, trueIds: trueIds, falseIds: falseIds, tracksTrue: tracksTrue, votes: votes)
                maxFeature = max(maxFeature, Int(tree.splitFeatures.max() ?? 0))
                if group == groups[0] {
                    fileTrees?.append(.init(irTree: irTrees.count, nodeIds: sources.map { nodeIds[$0] }))
                }
                irTrees.append(tree)
                irGroups.append(group)
            }
        }
        let aggregation: TreeEnsembleOperation.Aggregation
        switch attribute("aggregate_function")?.string ?? "SUM" {
        case "SUM": aggregation = .sum
        case "AVERAGE": aggregation = .average
        case "MIN": aggregation = .minimum
        case "MAX": aggregation = .maximum
        case let other: throw .init("\(node.opType) \(quoted: node.name) has aggregate_function \(other)")
        }
        var ensemble = TreeEnsemble(featureCount: maxFeature + 1, groupCount: groupCount, trees: irTrees, treeGroups: irGroups,
                                    baseMargins: [Float](repeating: 0, count: groupCount), transform: .identity)
        ensemble.combination = aggregation == .minimum ? .minimum : aggregation == .maximum ? .maximum : .sumOfVotes
        if ensemble.votesAreAPlainSum { ensemble.combination = .sum }
        let base = attribute("base_values_as_tensor")?.tensor?.values ?? attribute("base_values")?.floats ?? []
        let operation = TreeEnsembleOperation(ensemble: ensemble, treeCount: treeOrder.count, aggregation: aggregation, baseValues: base,
                                              postTransform: try ONNXAttributes.postTransform(attribute("post_transform"), node: node),
                                              binaryWidening: widening, fileTrees: fileTrees)
        return Result(operation: operation, labels: labels)
    }

    /// One IR tree for one output, built without recursion (hostile depths cannot overflow the stack), and for each of
    /// its nodes the index of the file's node it was built from.
    private func buildTree(root: Int, treeId: Int, local: [Int: Int], group: Int, modes: [String], features: [Int],
                           thresholds: [Float], trueIds: [Int], falseIds: [Int], tracksTrue: [Int],
                           votes: [Int: [(group: Int, weight: Float)]]) throws(ModelReadError.Reason) -> (DecisionTree, sources: [Int]) {
        var tree = DecisionTree(leftChildren: [], rightChildren: [], splitFeatures: [], values: [], defaultLeft: [])
        var sources = [Int]()
        let nodeLimit = 8 * local.count + 64
        func newNode() -> Int {
            sources.append(root)
            tree.leftChildren.append(-1)
            tree.rightChildren.append(-1)
            tree.splitFeatures.append(0)
            tree.values.append(0)
            tree.defaultLeft.append(false)
            return tree.leftChildren.count - 1
        }
        func child(_ id: Int) throws(ModelReadError.Reason) -> Int {
            guard let index = local[id] else { throw .init("tree \(treeId) of \(quoted: node.name) points to node \(id), which it does not have") }
            return index
        }
        var pending = [(source: Int, target: Int, depth: Int)]()
        pending.append((root, newNode(), 0))
        while let (source, target, depth) = pending.popLast() {
            sources[target] = source
            guard depth <= Self.maxDepth else { throw .init("tree \(treeId) of \(quoted: node.name) is deeper than \(Self.maxDepth) levels (or has a cycle)") }
            guard tree.leftChildren.count <= nodeLimit else {
                throw .init("tree \(treeId) of \(quoted: node.name) grows past \(nodeLimit) nodes once its BRANCH_EQ/NEQ splits are rewritten")
            }
            let mode = modes[source]
            if mode == "LEAF" {
                // A leaf that does not vote for this output is NaN: it takes no part in the aggregate.
                let mine = (votes[source] ?? []).filter { $0.group == group }
                tree.values[target] = mine.isEmpty ? .nan : mine.reduce(0) { $0 + $1.weight }
                continue
            }
            let onTrue = try child(trueIds[source]), onFalse = try child(falseIds[source])
            let value = thresholds[source]
            let nanTrue = mode == "BRANCH_NEQ" || tracksTrue[source] != 0
            tree.splitFeatures[target] = Int32(clamping: features[source])
            let (leftSource, rightSource): (Int, Int)
            switch mode {
            case "BRANCH_LEQ", "BRANCH_LT":
                tree.values[target] = mode == "BRANCH_LEQ" ? value.nextUp : value
                (leftSource, rightSource) = (onTrue, onFalse)
                tree.defaultLeft[target] = nanTrue
            case "BRANCH_GTE", "BRANCH_GT":
                tree.values[target] = mode == "BRANCH_GT" ? value.nextUp : value
                (leftSource, rightSource) = (onFalse, onTrue)
                tree.defaultLeft[target] = !nanTrue
            case "BRANCH_EQ", "BRANCH_NEQ":
                // x < v: not equal; otherwise x < nextUp(v): equal; otherwise not equal.
                let equalSide = mode == "BRANCH_EQ" ? onTrue : onFalse
                let unequalSide = mode == "BRANCH_EQ" ? onFalse : onTrue
                let second = newNode()
                tree.values[target] = value
                tree.splitFeatures[second] = tree.splitFeatures[target]
                tree.values[second] = value.nextUp
                sources[second] = source
                let below = newNode(), equal = newNode(), above = newNode()
                tree.leftChildren[target] = Int32(below)
                tree.rightChildren[target] = Int32(second)
                tree.leftChildren[second] = Int32(equal)
                tree.rightChildren[second] = Int32(above)
                // NaN compares false: it must reach the true side, or the false side.
                let nanSide = nanTrue ? onTrue : onFalse
                tree.defaultLeft[target] = nanSide == unequalSide
                tree.defaultLeft[second] = nanSide == equalSide
                pending.append((unequalSide, below, depth + 1))
                pending.append((equalSide, equal, depth + 2))
                pending.append((unequalSide, above, depth + 2))
                continue
            default:
                throw .init("\(node.opType) \(quoted: node.name) has node mode \(mode)")
            }
            let left = newNode(), right = newNode()
            tree.leftChildren[target] = Int32(left)
            tree.rightChildren[target] = Int32(right)
            pending.append((leftSource, left, depth + 1))
            pending.append((rightSource, right, depth + 1))
        }
        return (tree, sources)
    }

    private func ints(_ name: String) -> [Int] { attribute(name)?.ints ?? [] }
}
