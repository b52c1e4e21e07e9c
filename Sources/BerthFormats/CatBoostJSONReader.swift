import BerthCore
import BerthJSON

/// Reads a CatBoost model saved with `save_model(path, format="json")` into an `ObliviousForest`
/// (docs/model-formats.md §8).
///
/// The document holds `features_info` (each float feature's column, `nan_value_treatment` and name),
/// `oblivious_trees` (each a list of `splits` — `float_feature_index`, `border` — and `leaf_values`),
/// `scale_and_bias` and `model_info` (the loss function, the class names, the CatBoost version). Categorical
/// features are refused at startup naming them: CatBoost turns their strings into hashes and counter statistics
/// (CTRs) that this reader does not reproduce.
enum CatBoostJSONReader {
    /// Whether a JSON document is a CatBoost model rather than an XGBoost one.
    static func isCatBoost(_ document: JSONValue) -> Bool {
        document["oblivious_trees"] != nil || document["features_info"] != nil
    }

    static func read(_ document: JSONValue, file: String) throws(ModelReadError) -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: "is a CatBoost model that \(reason)") }
        let info = document["features_info"]
        try refuseCategoricalFeatures(info, document: document, file: file)
        guard let trees = document["oblivious_trees"]?.array else {
            let kind = document["trees"] != nil || document["non_symmetric_trees"] != nil ? " (its trees are not symmetric: grow_policy Depthwise or Lossguide)" : ""
            throw fail("has no oblivious_trees\(kind); Berth serves CatBoost's default symmetric trees")
        }
        guard !trees.isEmpty else { throw fail("holds no trees") }
        // Each float feature's column in a request row, and whether a missing value sets a split's bit.
        var columns = [Int: Int32](), missingHolds = [Int: Bool](), names = [Int: String]()
        for feature in info?["float_features"]?.array ?? [] {
            guard let index = feature["feature_index"]?.number.flatMap({ Int(exactly: $0) }),
                  let column = feature["flat_feature_index"]?.number.flatMap({ Int32(exactly: $0) }),
                  column >= 0, Int(column) < LoadedModel.maxFeatureCount else {
                throw fail("has a float feature without a usable feature_index and flat_feature_index")
            }
            columns[index] = column
            missingHolds[index] = feature["nan_value_treatment"]?.string == "AsTrue"
            if let name = feature["feature_id"]?.string, !name.isEmpty { names[Int(column)] = name }
        }
        let featureCount = Int(columns.values.max() ?? -1) + 1
        guard featureCount > 0 else { throw fail("has no float features") }

        let classNames = document["model_info"]?["class_params"]?["class_names"]?.array ?? []
        guard let lossName = document["model_info"]?["params"]?["loss_function"]?["type"]?.string else {
            throw fail("names no loss function (model_info.params.loss_function)")
        }
        guard let (transform, meaningKind) = Self.objective(lossName) else {
            throw fail("was trained with the loss \(MessageText.shortened(lossName)), which Berth does not serve; it serves Logloss, CrossEntropy, MultiClass, MultiClassOneVsAll, RMSE, MAE, Quantile, Expectile, MAPE, Huber, Lq, LogLinQuantile, Poisson, Tweedie and the ranking losses")
        }
        guard let scaleAndBias = document["scale_and_bias"]?.array, scaleAndBias.count == 2,
              let scale = scaleAndBias[0].number, let biases = scaleAndBias[1].numbers ?? scaleAndBias[1].number.map({ [$0] }) else {
            throw fail("has no scale_and_bias of the form [scale, [bias, …]]")
        }
        let outputCount = biases.count
        guard outputCount >= 1, outputCount <= 1 << 16 else { throw fail("has \(outputCount) outputs") }

        var forest = [ObliviousTree]()
        for (index, tree) in trees.enumerated() {
            guard let leafValues = tree["leaf_values"]?.numbers else { throw fail("has a tree (\(index)) without leaf_values") }
            var splits = [ObliviousTree.Split]()
            for split in tree["splits"]?.array ?? [] {
                guard split["split_type"]?.string ?? "FloatFeature" == "FloatFeature",
                      let featureIndex = split["float_feature_index"]?.number.flatMap({ Int(exactly: $0) }),
                      let column = columns[featureIndex], let border = split["border"]?.number else {
                    throw fail("has a split in tree \(index) that is not on a float feature it describes")
                }
                splits.append(ObliviousTree.Split(feature: column, border: Float(border), missingHolds: missingHolds[featureIndex] ?? false))
            }
            forest.append(ObliviousTree(splits: splits, leafValues: leafValues))
        }
        let meaning: PredictionMeaning = switch meaningKind {
        case .binary: .binaryProbability
        case .classes: .classProbabilities(labels: Self.labels(classNames, count: outputCount))
        case .regression: .regression
        }
        var loaded = LoadedModel(
            ir: .obliviousTrees(ObliviousForest(featureCount: featureCount, outputCount: outputCount, trees: forest, scale: scale,
                                                biases: biases, transform: transform)),
            format: .catboostJSON, meaning: meaning, objectiveName: lossName, kind: "oblivious trees", treeCount: trees.count,
            writerVersion: Self.version(document["model_info"]?["catboost_version_info"]?.string))
        if names.count == featureCount { loaded.featureNames = (0..<featureCount).map { names[$0]! } }
        return loaded
    }

    enum MeaningKind { case binary, classes, regression }

    /// The transform CatBoost's `predict` applies for a loss (`predict_proba` for classifiers), and what it means.
    static func objective(_ loss: String) -> (DoubleOutputTransform, MeaningKind)? {
        switch loss {
        case "Logloss", "CrossEntropy": (.sigmoid(scale: 1), .binary)
        case "MultiClass": (.softmax, .classes)
        case "MultiClassOneVsAll": (.sigmoid(scale: 1), .classes)
        case "RMSE", "MAE", "Quantile", "Expectile", "MAPE", "Huber", "Lq", "LogLinQuantile", "YetiRank", "YetiRankPairwise",
             "PairLogit", "PairLogitPairwise", "QueryRMSE", "QuerySoftMax", "StochasticRank":
            (.identity, .regression)
        case "Poisson", "Tweedie": (.exponential, .regression)
        default: nil
        }
    }

    /// The class names as CatBoost keeps them (integers or strings), or `0 ..< count` when it keeps none.
    static func labels(_ names: [JSONValue], count: Int) -> ClassLabels {
        guard names.count == count else { return .integers(Array(0..<count)) }
        let integers = names.compactMap { $0.number.flatMap { Int(exactly: $0) } }
        if integers.count == count { return .integers(integers) }
        return .strings(names.map { $0.string ?? $0.number.map { "\($0)" } ?? "?" })
    }

    /// `catboost 1.2.10` from the version block CatBoost writes (`Branch: tags/v1.2.10`).
    static func version(_ text: String?) -> String? {
        guard let text, let range = text.firstRange(of: "tags/v") else { return nil }
        let version = text[range.upperBound...].prefix { $0.isNumber || $0 == "." }
        return version.isEmpty ? nil : "catboost \(version)"
    }

    /// Refuses a model that uses categorical features, naming them.
    private static func refuseCategoricalFeatures(_ info: JSONValue?, document: JSONValue, file: String) throws(ModelReadError) {
        let categorical = info?["categorical_features"]?.array ?? []
        guard !categorical.isEmpty || document["ctr_data"] != nil else { return }
        let named = categorical.prefix(8).map { feature in
            let name = feature["feature_id"]?.string ?? ""
            let column = feature["flat_feature_index"]?.number.map { String(Int($0)) } ?? "?"
            return name.isEmpty ? "column \(column)" : "'\(MessageText.shortened(name))' (column \(column))"
        }
        throw ModelReadError(file: file, reason: """
            is a CatBoost model with categorical features (\(named.joined(separator: ", "))), which CatBoost turns into \
            hashes and counter statistics (CTRs) Berth does not reproduce: export it with save_model(format="onnx") when \
            it uses one-hot encoding only, or encode those features as numbers before training
            """)
    }
}
