import BerthCore
import BerthJSON

/// Reads CatBoost's native model file (`save_model("model.cbm")`, the default format): the magic `CBM1`, the
/// length of a FlatBuffers `TModelCore`, the core, then the model's other parts (the counter statistics of
/// categorical features, which Berth refuses) (docs/model-formats.md §8.4).
///
/// Field ids follow CatBoost's schema (`catboost/libs/model/flatbuffers/model.fbs`, `features.fbs`): the core's
/// `ModelTrees` (1) and `InfoMap` (2); the trees' `ApproxDimension` (0), `TreeSplits` (1), `TreeSizes` (2),
/// `TreeStartOffsets` (3), `CatFeatures` (4), `FloatFeatures` (5), `OneHotFeatures` (6), `CtrFeatures` (7),
/// `LeafValues` (8), `LeafWeights` (9), `NonSymmetricStepNodes` (10), `NonSymmetricNodeIdToLeafId` (11), `TextFeatures` (12), `EstimatedFeatures` (13), `Scale` (14), `Bias` (15),
/// `MultiBias` (16) and `EmbeddingFeatures` (18). A split cites a "binary feature": the borders of every float
/// feature in order, one after another.
enum CatBoostBinaryReader {
    static let magic = Array("CBM1".utf8)

    static func read(file: String, bytes: [UInt8]) throws(ModelReadError) -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: "is a CatBoost model (.cbm) that \(reason)") }
        guard bytes.count >= 8 else { throw fail("is truncated") }
        let size = Int(UInt32(bytes[4]) | UInt32(bytes[5]) << 8 | UInt32(bytes[6]) << 16 | UInt32(bytes[7]) << 24)
        guard size <= bytes.count - 8 else { throw fail("declares a \(size)-byte core but holds \(bytes.count - 8) bytes after its header") }
        do {
            return try read(core: Array(bytes[8 ..< 8 + size]), file: file)
        } catch let error as FlatBufferTable.Malformed {
            throw fail("is malformed (\(error.reason)); the file may be truncated or corrupt: save it again with model.save_model")
        } catch let error as ModelReadError {
            throw error
        } catch {
            throw fail("cannot be read (\(error))")
        }
    }

    private static func read(core: [UInt8], file: String) throws -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: "is a CatBoost model (.cbm) that \(reason)") }
        let root = try FlatBufferTable(root: core)
        guard let trees = try root.table(1) else { throw fail("holds no trees") }
        var model = CatBoostModel()
        // Every categorical feature, used or not: its column holds the client's categories.
        for feature in try trees.tables(4) {
            model.categoricalFeatures.append(CatBoostModel.CategoricalFeature(
                index: Int(try feature.int32(0, default: -1)), column: Int(try feature.int32(1, default: -1)), name: try feature.string(2) ?? ""))
        }
        model.usesCounters = !(try trees.tables(7)).isEmpty
        // Splits on counter statistics cite binary features Berth does not build: refused here, naming the features.
        if model.usesCounters { return try model.loaded(file: file, format: .catboostBinary) }
        for (id, kind) in [(12, "text"), (13, "estimated"), (18, "embedding")] where !(try trees.tables(id)).isEmpty {
            throw fail("uses \(kind) features, which Berth does not serve")
        }
        var binaryFeatures = [CatBoostModel.Split]()
        for feature in try trees.tables(5) {
            let index = Int(try feature.int32(1, default: -1))
            let borders = try feature.floats(3)
            model.floatFeatures.append(CatBoostModel.FloatFeature(
                index: index, column: Int(try feature.int32(2, default: -1)), missingHolds: try feature.int8(5, default: 0) == 2,
                name: try feature.string(4) ?? "", borders: borders))
            binaryFeatures += borders.map { .float(feature: index, border: $0) }
        }
        // Then each one-hot feature's categories, as their 32-bit hashes.
        for feature in try trees.tables(6) {
            let index = Int(try feature.int32(0, default: -1))
            binaryFeatures += try feature.int32s(1).map { .oneHot(feature: index, hash: UInt32(bitPattern: $0)) }
        }
        let dimension = max(1, Int(try trees.int32(0, default: 1)))
        guard dimension <= 1 << 16 else { throw fail("has \(dimension) outputs") }
        let splits = try trees.int32s(1), sizes = try trees.int32s(2), leaves = try trees.doubles(8)
        let stepNodes = try trees.int32s(10)
        if !stepNodes.isEmpty {
            let layout = NonSymmetricLayout(splits: splits, sizes: sizes, starts: try trees.int32s(3), steps: stepNodes,
                                            leafOffsets: try trees.int32s(11), leafValues: leaves, leafWeights: try trees.doubles(9),
                                            dimension: dimension, binaryFeatures: binaryFeatures)
            model.nonSymmetricTrees = try layout.trees(fail: fail)
        }
        // One weight a leaf (not a value), tree after tree; a list of another length is left out.
        let weights = stepNodes.isEmpty ? try trees.doubles(9) : []
        let weightsLineUp = weights.count == leaves.count / dimension
        var splitStart = 0, leafStart = 0
        for (index, size) in sizes.enumerated() where stepNodes.isEmpty {
            guard size >= 0, size <= ObliviousTree.maxDepth, splitStart + Int(size) <= splits.count else {
                throw fail("has a tree (\(index)) of \(size) levels, or more splits than it lists")
            }
            var treeSplits = [CatBoostModel.Split]()
            for split in splits[splitStart ..< splitStart + Int(size)] {
                guard split >= 0, Int(split) < binaryFeatures.count else { throw fail("has a split in tree \(index) on no float feature") }
                treeSplits.append(binaryFeatures[Int(split)])
            }
            let leafCount = (1 << Int(size)) * dimension
            guard leafStart + leafCount <= leaves.count else { throw fail("has fewer leaf values than its trees need") }
            let weightStart = leafStart / dimension
            model.trees.append(CatBoostModel.Tree(
                splits: treeSplits, leafValues: Array(leaves[leafStart ..< leafStart + leafCount]),
                leafWeights: weightsLineUp ? Array(weights[weightStart ..< weightStart + (1 << Int(size))]) : []))
            splitStart += Int(size)
            leafStart += leafCount
        }
        model.scale = try trees.double(14, default: 1)
        let multiBias = try trees.doubles(16)
        model.biases = multiBias.isEmpty ? Array(repeating: try trees.double(15, default: 0), count: dimension) : multiBias
        for entry in try root.tables(2) {
            let key = try entry.string(0), value = try entry.string(1) ?? ""
            switch key {
            case "params": model.lossName = (try? JSONReader.parse(Array(value.utf8)))?["loss_function"]?["type"]?.string
            case "class_params": model.classNames = (try? JSONReader.parse(Array(value.utf8)))?["class_names"]?.array ?? []
            case "catboost_version_info": model.versionText = value
            default: break
            }
        }
        return try model.loaded(file: file, format: .catboostBinary)
    }
}

/// The `.cbm` layout of non-symmetric trees: tree `t` is the nodes `TreeStartOffsets[t] ..< + TreeSizes[t]`; node `n`
/// splits on binary feature `TreeSplits[n]` and its `NonSymmetricStepNodes` entry (two `uint16`: left, then right)
/// says how many nodes further on each child is, 0 meaning the child is a leaf whose values start at
/// `LeafValues[NonSymmetricNodeIdToLeafId[n]]`; a node with both steps 0 is itself a leaf
/// (docs/model-formats.md §8.4). A tree's leaf values lie together, and CatBoost numbers its leaves by where their
/// values lie, from the tree's first (`calc_leaf_indexes`); `LeafWeights` holds one weight per leaf, by the same place.
private struct NonSymmetricLayout {
    let splits: [Int32], sizes: [Int32], starts: [Int32], steps: [Int32], leafOffsets: [Int32], leafValues: [Double]
    let leafWeights: [Double]
    let dimension: Int
    let binaryFeatures: [CatBoostModel.Split]

    /// Whether `LeafWeights` holds one weight a leaf; if not, the trees are read without weights.
    private var weighed: Bool { leafWeights.count == leafValues.count / dimension }

    /// A tree's leaves as it is read: where its values start, and each leaf's values and weight in its place.
    private struct Leaves {
        let firstOffset: Int
        var values: [Double?]
        var weights: [Double]
    }

    func trees(fail: (String) -> ModelReadError) throws(ModelReadError) -> [CatBoostModel.NonSymmetricTree] {
        guard starts.count == sizes.count else { throw fail("lists \(sizes.count) tree sizes but \(starts.count) tree starts") }
        var visited = [Bool](repeating: false, count: steps.count)
        var trees = [CatBoostModel.NonSymmetricTree](), valuesRead = 0
        for (index, (start, size)) in zip(starts, sizes).enumerated() {
            guard start >= 0, size > 0, Int(start) + Int(size) <= steps.count, Int(start) + Int(size) <= splits.count,
                  Int(start) + Int(size) <= leafOffsets.count else {
                throw fail("has a tree (\(index)) whose nodes lie outside the node arrays")
            }
            let nodes = Int(start) ..< Int(start) + Int(size)
            let leafNodes = nodes.filter { steps[$0] & 0xFFFF == 0 || UInt32(bitPattern: steps[$0]) >> 16 == 0 }
            // Each leaf has values of its own: the trees cannot have more leaves than the file has values for (and
            // what is read stays within the file's size, however many trees point at the same values).
            valuesRead += leafNodes.count * dimension
            guard valuesRead <= leafValues.count else {
                throw fail("has more leaves, by tree \(index), than its \(leafValues.count / dimension) leaves' values")
            }
            let firstOffset = leafNodes.map { Int(UInt32(bitPattern: leafOffsets[$0])) }.min() ?? 0
            var tree = CatBoostModel.NonSymmetricTree()
            var leaves = Leaves(firstOffset: firstOffset, values: [Double?](repeating: nil, count: leafNodes.count * dimension),
                                weights: [Double](repeating: 0, count: weighed ? leafNodes.count : 0))
            _ = try node(nodes.lowerBound, in: nodes, depth: 0, tree: &tree, leaves: &leaves, visited: &visited,
                         fail: { fail("has a malformed tree (\(index)): \($0)") })
            let values = leaves.values.compactMap { $0 }
            guard values.count == leaves.values.count else { throw fail("has a malformed tree (\(index)): a leaf is never reached") }
            tree.leafValues = values
            tree.leafWeights = leaves.weights
            trees.append(tree)
        }
        return trees
    }

    /// Adds node `index` and its subtree to `tree`; returns its child reference (a split's index, or `~leaf`).
    private func node(_ index: Int, in nodes: Range<Int>, depth: Int, tree: inout CatBoostModel.NonSymmetricTree, leaves: inout Leaves,
                      visited: inout [Bool], fail: (String) -> ModelReadError) throws(ModelReadError) -> Int32 {
        guard nodes.contains(index) else { throw fail("a step leads outside the tree") }
        guard !visited[index] else { throw fail("node \(index) is reached twice") }
        guard depth <= CatBoostJSONReader.maxNonSymmetricDepth else { throw fail("it is more than \(CatBoostJSONReader.maxNonSymmetricDepth) levels deep") }
        visited[index] = true
        let step = UInt32(bitPattern: steps[index])
        let left = Int(step & 0xFFFF), right = Int(step >> 16)
        if left == 0 && right == 0 { return try leaf(of: index, leaves: &leaves, fail: fail) }
        let binary = Int(splits[index])
        guard binary >= 0, binary < binaryFeatures.count else { throw fail("a split on no float feature") }
        let split = Int32(tree.splits.count)
        tree.splits.append(binaryFeatures[binary])
        tree.leftChildren.append(0)
        tree.rightChildren.append(0)
        let leftChild = left == 0 ? try leaf(of: index, leaves: &leaves, fail: fail)
            : try node(index + left, in: nodes, depth: depth + 1, tree: &tree, leaves: &leaves, visited: &visited, fail: fail)
        let rightChild = right == 0 ? try leaf(of: index, leaves: &leaves, fail: fail)
            : try node(index + right, in: nodes, depth: depth + 1, tree: &tree, leaves: &leaves, visited: &visited, fail: fail)
        tree.leftChildren[Int(split)] = leftChild
        tree.rightChildren[Int(split)] = rightChild
        return split
    }

    /// The leaf of node `index`, numbered by where its values lie in the tree's; its values and weight are kept in
    /// that place.
    private func leaf(of index: Int, leaves: inout Leaves, fail: (String) -> ModelReadError) throws(ModelReadError) -> Int32 {
        let offset = Int(UInt32(bitPattern: leafOffsets[index]))
        guard offset <= leafValues.count - dimension else { throw fail("a leaf past the leaf values") }
        let place = offset - leaves.firstOffset
        guard place % dimension == 0, place / dimension < leaves.values.count / dimension, leaves.values[place] == nil else {
            throw fail("its leaf values do not lie together, one leaf after another")
        }
        for output in 0..<dimension { leaves.values[place + output] = leafValues[offset + output] }
        if weighed { leaves.weights[place / dimension] = leafWeights[offset / dimension] }
        return ~Int32(place / dimension)
    }
}
