import BerthCore
import BerthJSON

/// Reads a CatBoost model saved with `save_model(path, format="json")` (docs/model-formats.md §8.1): its
/// `features_info`, `oblivious_trees` (or the non-symmetric `trees`), `scale_and_bias` and `model_info`, into a
/// `CatBoostModel`.
enum CatBoostJSONReader {
    /// Whether a JSON document is a CatBoost model rather than an XGBoost one.
    static func isCatBoost(_ document: JSONValue) -> Bool {
        document["oblivious_trees"] != nil || document["features_info"] != nil
    }

    static func read(_ document: JSONValue, file: String) throws(ModelReadError) -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: "is a CatBoost model that \(reason)") }
        var model = CatBoostModel()
        let info = document["features_info"]
        for feature in info?["categorical_features"]?.array ?? [] {
            guard let index = feature["feature_index"]?.number.flatMap({ Int(exactly: $0) }),
                  let column = feature["flat_feature_index"]?.number.flatMap({ Int(exactly: $0) }) else {
                throw fail("has a categorical feature without a usable feature_index and flat_feature_index")
            }
            model.categoricalFeatures.append(CatBoostModel.CategoricalFeature(index: index, column: column, name: feature["feature_id"]?.string ?? ""))
        }
        model.usesCounters = document["ctr_data"] != nil
        for feature in info?["float_features"]?.array ?? [] {
            guard let index = feature["feature_index"]?.number.flatMap({ Int(exactly: $0) }),
                  let column = feature["flat_feature_index"]?.number.flatMap({ Int(exactly: $0) }) else {
                throw fail("has a float feature without a usable feature_index and flat_feature_index")
            }
            model.floatFeatures.append(CatBoostModel.FloatFeature(
                index: index, column: column, missingHolds: feature["nan_value_treatment"]?.string == "AsTrue",
                name: feature["feature_id"]?.string ?? "", borders: []))
        }
        if let trees = document["oblivious_trees"]?.array {
            for (index, tree) in trees.enumerated() {
                guard let leafValues = tree["leaf_values"]?.numbers else { throw fail("has a tree (\(index)) without leaf_values") }
                var splits = [CatBoostModel.Split]()
                for split in tree["splits"]?.array ?? [] {
                    // A split on a counter statistic (CTR): the model is refused, naming its categorical features.
                    guard let read = try Self.split(split, fail: { fail("has a split in tree \(index) that \($0)") }) else {
                        model.usesCounters = true
                        continue
                    }
                    splits.append(read)
                }
                model.trees.append(CatBoostModel.Tree(splits: splits, leafValues: leafValues, leafWeights: tree["leaf_weights"]?.numbers ?? []))
            }
        } else if let trees = document["trees"]?.array {
            for (index, tree) in trees.enumerated() {
                var built = CatBoostModel.NonSymmetricTree()
                _ = try node(tree, into: &built, depth: 0, fail: { fail("has a malformed node in tree \(index): \($0)") })
                model.nonSymmetricTrees.append(built)
            }
        } else {
            throw fail("has neither oblivious_trees nor trees")
        }
        guard let scaleAndBias = document["scale_and_bias"]?.array, scaleAndBias.count == 2,
              let scale = scaleAndBias[0].number, let biases = scaleAndBias[1].numbers ?? scaleAndBias[1].number.map({ [$0] }) else {
            throw fail("has no scale_and_bias of the form [scale, [bias, …]]")
        }
        (model.scale, model.biases) = (scale, biases)
        model.lossName = document["model_info"]?["params"]?["loss_function"]?["type"]?.string
        model.classNames = document["model_info"]?["class_params"]?["class_names"]?.array ?? []
        model.versionText = document["model_info"]?["catboost_version_info"]?.string
        return try model.loaded(file: file, format: .catboostJSON)
    }

    /// One split of an oblivious tree: on a float feature, or one-hot on a categorical feature (its `value` the hash
    /// of the category, as a 32-bit integer); nil for a split on a counter statistic (`OnlineCtr`).
    private static func split(_ split: JSONValue, fail: (String) -> ModelReadError) throws(ModelReadError) -> CatBoostModel.Split? {
        switch split["split_type"]?.string ?? "FloatFeature" {
        case "FloatFeature":
            guard let feature = split["float_feature_index"]?.number.flatMap({ Int(exactly: $0) }), let border = split["border"]?.number else {
                throw fail("is not on a float feature it describes")
            }
            return .float(feature: feature, border: Float(border))
        case "OneHotFeature":
            guard let feature = split["cat_feature_index"]?.number.flatMap({ Int(exactly: $0) }),
                  let value = split["value"]?.number.flatMap({ Int64(exactly: $0) }), value >= Int64(Int32.min), value <= Int64(UInt32.max) else {
                throw fail("is a one-hot split without a categorical feature and a 32-bit category hash")
            }
            return .oneHot(feature: feature, hash: UInt32(truncatingIfNeeded: value))
        default:
            return nil
        }
    }

    /// The deepest non-symmetric tree read: CatBoost grows them at most 16 levels deep.
    static let maxNonSymmetricDepth = 64

    /// Adds `node` (a `{"split", "left", "right"}` object or a `{"value", "weight"}` leaf) and everything under it to `tree`,
    /// leaves numbered in the order they are reached, left before right, as CatBoost numbers them;
    /// returns its child reference (a split's index, or `~leaf`).
    private static func node(_ node: JSONValue, into tree: inout CatBoostModel.NonSymmetricTree, depth: Int,
                             fail: (String) -> ModelReadError) throws(ModelReadError) -> Int32 {
        guard depth <= maxNonSymmetricDepth else { throw fail("it is more than \(maxNonSymmetricDepth) levels deep") }
        if let split = node["split"] {
            guard split["split_type"]?.string ?? "FloatFeature" == "FloatFeature",
                  let feature = split["float_feature_index"]?.number.flatMap({ Int(exactly: $0) }),
                  let border = split["border"]?.number, let left = node["left"], let right = node["right"] else {
                throw fail("a split that is not on a float feature, or without both children")
            }
            let index = Int32(tree.splits.count)
            tree.splits.append(.float(feature: feature, border: Float(border)))
            tree.leftChildren.append(0)
            tree.rightChildren.append(0)
            let leftChild = try Self.node(left, into: &tree, depth: depth + 1, fail: fail)
            let rightChild = try Self.node(right, into: &tree, depth: depth + 1, fail: fail)
            tree.leftChildren[Int(index)] = leftChild
            tree.rightChildren[Int(index)] = rightChild
            return index
        }
        guard let values = node["value"]?.numbers ?? node["value"]?.number.map({ [$0] }) else {
            throw fail("a node with neither a split nor a value")
        }
        let leaf = tree.leafValues.count / max(1, values.count)
        tree.leafValues += values
        // A leaf without a weight leaves the tree a weight short, and its contributions are refused.
        if let weight = node["weight"]?.number { tree.leafWeights.append(weight) }
        return ~Int32(leaf)
    }
}
