import BerthCore
import BerthJSON
import BerthText

/// A CatBoost model as both of its files describe it — the JSON `save_model(format="json")` writes and the native
/// `.cbm` — turned into an `ObliviousForest` the same way whichever file it came from (docs/model-formats.md §8).
struct CatBoostModel {
    struct FloatFeature {
        /// What splits cite (`float_feature_index`).
        var index: Int
        /// The feature's column in a request row (`flat_feature_index`).
        var column: Int
        /// `AsTrue`: a missing value makes every split on the feature hold.
        var missingHolds: Bool
        var name: String
        /// The borders in order, which the `.cbm` cites by their position across all features.
        var borders: [Float]
    }

    /// A categorical feature: what one-hot splits cite (`cat_feature_index`), its request column and name.
    struct CategoricalFeature {
        var index: Int
        var column: Int
        var name: String
    }

    /// What a split asks: `value > border` of a float feature (by its `float_feature_index`), or whether a categorical
    /// feature (by its `cat_feature_index`) holds the category CatBoost hashes to `hash`.
    enum Split {
        case float(feature: Int, border: Float)
        case oneHot(feature: Int, hash: UInt32)
    }

    struct Tree {
        /// Per split, from the first (bit 0 of the leaf index).
        var splits: [Split]
        var leafValues: [Double]
        /// One per leaf (not per output), or empty when the file records none.
        var leafWeights: [Double] = []
    }

    /// A non-symmetric tree (`grow_policy` Depthwise or Lossguide): split nodes numbered apart from leaves, as
    /// `DoubleTree` numbers them — a child `c ≥ 0` is split `c`, a negative one leaf `~c`; `value > border` goes right.
    struct NonSymmetricTree {
        var splits: [Split] = []
        var leftChildren: [Int32] = []
        var rightChildren: [Int32] = []
        /// `dimension` values per leaf, leaf by leaf, in CatBoost's leaf order (`calc_leaf_indexes`).
        var leafValues: [Double] = []
        /// One training weight per leaf, or empty when the file records none.
        var leafWeights: [Double] = []
    }

    var floatFeatures: [FloatFeature] = []
    var categoricalFeatures: [CategoricalFeature] = []
    /// Whether the model turns categories into counter statistics (CTRs), which Berth does not reproduce.
    var usesCounters = false
    var trees: [Tree] = []
    var nonSymmetricTrees: [NonSymmetricTree] = []
    var scale = 1.0
    var biases: [Double] = []
    var lossName: String?
    var classNames: [JSONValue] = []
    /// The `catboost_version_info` block.
    var versionText: String?

    func loaded(file: String, format: ModelFormat) throws(ModelReadError) -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: "is a CatBoost model that \(reason)") }
        guard !usesCounters else {
            let names = categoricalFeatures.map { Self.describe(categorical: $0.name, column: $0.column) }
            throw ModelReadError(file: file, reason: """
                is a CatBoost model with categorical features (\((names.isEmpty ? ["CTRs"] : names).prefix(8).joined(separator: ", "))) \
                that CatBoost turns into counter statistics (CTRs) learned in training, which Berth does not reproduce: \
                train with one_hot_max_size at least each feature's number of categories (one-hot splits are served), or \
                encode those features as numbers before training
                """)
        }
        guard !trees.isEmpty || !nonSymmetricTrees.isEmpty else { throw fail("holds no trees") }
        var byIndex = [Int: FloatFeature]()
        for feature in floatFeatures {
            guard feature.index >= 0, feature.column >= 0, feature.column < LoadedModel.maxFeatureCount else {
                throw fail("has a float feature without a usable index and column")
            }
            byIndex[feature.index] = feature
        }
        var categoricalByIndex = [Int: CategoricalFeature]()
        for feature in categoricalFeatures {
            guard feature.index >= 0, feature.column >= 0, feature.column < LoadedModel.maxFeatureCount else {
                throw fail("has a categorical feature without a usable index and column")
            }
            categoricalByIndex[feature.index] = feature
        }
        let featureCount = max(floatFeatures.map(\.column).max() ?? -1, categoricalFeatures.map(\.column).max() ?? -1) + 1
        guard featureCount > 0 else { throw fail("has no features") }
        guard let lossName else { throw fail("names no loss function") }
        guard let (transform, kind) = Self.objective(lossName) else {
            throw fail("was trained with the loss \(excerpt: lossName), which Berth does not serve; it serves Logloss, CrossEntropy, MultiClass, MultiClassOneVsAll, RMSE, MAE, Quantile, Expectile, MAPE, Huber, Lq, LogLinQuantile, Poisson, Tweedie and the ranking losses")
        }
        guard biases.count >= 1, biases.count <= 1 << 16 else { throw fail("has \(biases.count) outputs") }
        let ir: ModelIR
        if nonSymmetricTrees.isEmpty {
            var forest = [ObliviousTree]()
            var oneHotTests = [ObliviousForest.OneHotTest](), testIndexes = [String: Int]()
            for (index, tree) in trees.enumerated() {
                var splits = [ObliviousTree.Split]()
                for split in tree.splits {
                    switch split {
                    case .float(let feature, let border):
                        guard let feature = byIndex[feature] else { throw fail("has a split in tree \(index) that is not on a float feature it describes") }
                        splits.append(ObliviousTree.Split(feature: Int32(feature.column), border: border, missingHolds: feature.missingHolds))
                    case .oneHot(let feature, let hash):
                        guard let feature = categoricalByIndex[feature] else {
                            throw fail("has a one-hot split in tree \(index) that is not on a categorical feature it describes")
                        }
                        let key = "\(feature.column):\(hash)"
                        let test = testIndexes[key] ?? oneHotTests.count
                        if test == oneHotTests.count {
                            testIndexes[key] = test
                            oneHotTests.append(ObliviousForest.OneHotTest(column: Int32(feature.column), hash: hash))
                        }
                        splits.append(ObliviousTree.Split(feature: Int32(featureCount + test), border: 0.5, missingHolds: false))
                    }
                }
                // Weights that are not one a leaf, or not finite and non-negative, are dropped: contributions are then
                // refused, not guessed.
                let usable = tree.leafWeights.count == 1 << splits.count && tree.leafWeights.allSatisfy { $0.isFinite && $0 >= 0 }
                let weights = usable ? tree.leafWeights : []
                forest.append(ObliviousTree(splits: splits, leafValues: tree.leafValues, leafWeights: weights))
            }
            ir = .obliviousTrees(ObliviousForest(featureCount: featureCount, outputCount: biases.count, trees: forest, scale: scale,
                                                 biases: biases, transform: transform, oneHotTests: oneHotTests))
        } else {
            ir = .doubleTrees(try nonSymmetricForest(byIndex: byIndex, featureCount: featureCount, transform: transform, fail: fail))
        }
        let meaning: PredictionMeaning = switch kind {
        case .binary: .binaryProbability
        case .classes: .classProbabilities(labels: Self.labels(classNames, count: biases.count))
        case .regression: .regression
        }
        var loaded = LoadedModel(
            ir: ir, format: format, meaning: meaning, objectiveName: lossName,
            kind: nonSymmetricTrees.isEmpty ? "oblivious trees" : "non-symmetric trees", treeCount: trees.count + nonSymmetricTrees.count,
            writerVersion: Self.version(versionText))
        if kind == .binary, classNames.count == 2 { loaded.classLabels = Self.labels(classNames, count: 2) }
        let named = floatFeatures.map { (column: $0.column, name: $0.name) } + categoricalFeatures.map { (column: $0.column, name: $0.name) }
        if named.allSatisfy({ !$0.name.isEmpty }), named.count == featureCount, Set(named.map(\.column)).count == featureCount {
            loaded.featureNames = named.sorted { $0.column < $1.column }.map(\.name)
        }
        // Categorical columns take categories as text or whole numbers, hashed as CatBoost hashes them.
        for feature in categoricalFeatures where feature.column < featureCount { loaded.featureKinds[feature.column] = .hashedCategorical }
        return loaded
    }

    /// The non-symmetric trees as a `DoubleForest`, which walks any binary tree and sums in double: one tree per
    /// output (CatBoost's trees hold every output in each leaf; the forest's trees one each), then one leaf per output
    /// holding its bias, added last as CatBoost adds it. Each border becomes the double threshold that decides
    /// exactly as CatBoost's float32 comparison does (`splitThreshold`); a missing value goes right only when the
    /// feature's NaN treatment is `AsTrue`. A `scale` other than 1 multiplies every leaf, which can differ from
    /// CatBoost's `scale · Σ` in the last bit.
    private func nonSymmetricForest(byIndex: [Int: FloatFeature], featureCount: Int, transform: DoubleOutputTransform,
                                    fail: (String) -> ModelReadError) throws(ModelReadError) -> DoubleForest {
        let dimension = biases.count
        var forest = [DoubleTree]()
        for (index, tree) in nonSymmetricTrees.enumerated() {
            var features = [Int32](), thresholds = [Double](), rules = [DoubleSplitRule]()
            for split in tree.splits {
                guard case .float(let floatIndex, let border) = split, let feature = byIndex[floatIndex] else {
                    throw fail("has a split in non-symmetric tree \(index) that is not on a float feature it describes (one-hot splits are served in symmetric trees only)")
                }
                features.append(Int32(feature.column))
                thresholds.append(Self.splitThreshold(border: border))
                rules.append(DoubleSplitRule(isCategorical: false, missing: .nan, defaultLeft: !feature.missingHolds))
            }
            guard tree.leafValues.count % dimension == 0, tree.leafValues.count / dimension == tree.splits.count + 1 else {
                throw fail("has a tree (\(index)) with \(tree.leafValues.count) leaf values for \(tree.splits.count) splits and \(dimension) outputs")
            }
            let counts = Self.nodeWeights(tree)
            for output in 0..<dimension {
                let leaves = stride(from: output, to: tree.leafValues.count, by: dimension).map { tree.leafValues[$0] * scale }
                forest.append(DoubleTree(splitFeatures: features, thresholds: thresholds, leftChildren: tree.leftChildren,
                                         rightChildren: tree.rightChildren, rules: rules, leafValues: leaves, counts: counts))
            }
        }
        for bias in biases {
            forest.append(DoubleTree(splitFeatures: [], thresholds: [], leftChildren: [], rightChildren: [], rules: [], leafValues: [bias],
                                     counts: DoubleTree.NodeCounts(splits: [], leaves: [1])))
        }
        return DoubleForest(featureCount: featureCount, groupCount: dimension, trees: forest, averagesIterations: false,
                            transform: transform, zeroThreshold: 0,
                            leafListing: .sharedByGroups(treeCount: nonSymmetricTrees.count))
    }

    /// Each split's and leaf's training weight, the covers TreeSHAP weighs branches by, as CatBoost's `ShapValues`
    /// does: a leaf's from the file, a split's the sum of the leaves below it. Nil, so that contributions are refused
    /// rather than guessed, unless there is one weight a leaf and each is finite and not negative.
    private static func nodeWeights(_ tree: NonSymmetricTree) -> DoubleTree.NodeCounts? {
        let leafCount = tree.splits.count + 1
        guard tree.leafWeights.count == leafCount, tree.leafWeights.allSatisfy({ $0.isFinite && $0 >= 0 }) else { return nil }
        var splitWeights = [Double](repeating: 0, count: tree.splits.count)
        // A child is numbered after its parent (the readers number splits as they first reach them), so summing from
        // the last split back finds every child's weight already summed.
        for split in tree.splits.indices.reversed() {
            splitWeights[split] = [tree.leftChildren[split], tree.rightChildren[split]].reduce(0.0) { sum, child in
                sum + (child < 0 ? tree.leafWeights[Int(~child)] : splitWeights[Int(child)])
            }
        }
        return DoubleTree.NodeCounts(splits: splitWeights, leaves: tree.leafWeights)
    }

    /// The double `t` for which `x <= t` holds exactly when CatBoost's `Float(x) > border` does not: the largest
    /// double that rounds (to nearest, ties to even) to a float32 no greater than the border. It is the midpoint
    /// between the border and the next float32, or the double just below it when the midpoint rounds up.
    static func splitThreshold(border: Float) -> Double {
        guard border.isFinite else { return Double(border) }
        let next = border.nextUp
        let midpoint = next.isFinite ? (Double(border) + Double(next)) / 2 : Double(border) + Double(border.ulp) / 2
        return Float(midpoint) <= border ? midpoint : midpoint.nextDown
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

    /// A categorical feature as an error names it.
    static func describe(categorical name: String, column: Int?) -> String {
        let place = column.map { "column \($0)" } ?? "column ?"
        return name.isEmpty ? place : "\(quoted: name) (\(place))"
    }
}
