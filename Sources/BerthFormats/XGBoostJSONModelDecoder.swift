import BerthCore
import BerthJSON
import BerthText

/// Turns an XGBoost model document (JSON or UBJSON, xgboost 1.0 – 3.x) into the model IR.
///
/// Follows docs/model-formats.md §2: leaf values come from `split_conditions` (never `base_weights`, which 1.x wrote
/// before the learning rate); `default_left` may be booleans (≤ 1.5) or integers; `base_score` has three text
/// dialects and is taken to margin space through the objective's link; trees add to the group `tree_info` names;
/// DART trees are scaled by `weight_drop`; categorical splits list the codes that go right.
enum XGBoostJSONModelDecoder {
    /// The member a model's trees are under, which the readers list rather than nest (`listedTrees`).
    static let treesKey = "trees"

    /// Where a JSON model's trees are (a gbtree's, a dart's), which `JSONReader` lists rather than parses.
    static let jsonTreePaths: Set<[String]> = [["learner", "gradient_booster", "model", treesKey],
                                               ["learner", "gradient_booster", "gbtree", "model", treesKey]]

    /// `listedTrees` are the lists a reader made of the arrays of trees, which the document then lacks: a UBJSON
    /// reader's of every array under `treesKey`, a JSON reader's of those at `jsonTreePaths`. The one at the booster
    /// model's `trees` is the model's (`documentPath` leads from the parsed root to `document`), and the others are
    /// ignored, as a `trees` member anywhere else would be.
    ///
    /// With `stopsAtBestIteration` (a pickled scikit-learn wrapper, whose `predict` does so), the trees after the
    /// iteration the `best_iteration` attribute names are dropped. The trees are decoded on `parallelism`'s threads.
    static func decode(_ document: JSONValue, listedTrees: [ListedTrees] = [], documentPath: [String] = [], file: String,
                       format: ModelFormat, stopsAtBestIteration: Bool = false,
                       parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws(ModelReadError) -> LoadedModel {
        let fail = { @Sendable (reason: String) in ModelReadError(file: file, reason: reason) }
        guard let learner = document["learner"] else {
            throw fail("has no \"learner\" object, so it is not an XGBoost model saved with save_model")
        }
        let version = document["version"]?.numbers.map { $0.map { Int(exactly: $0).map(String.init) ?? "?" }.joined(separator: ".") }
        guard let parameters = learner["learner_model_param"] else { throw fail("has no learner_model_param") }
        guard let objectiveName = learner["objective"]?["name"]?.string else { throw fail("names no objective") }
        guard let objective = XGBoostObjective(name: objectiveName) else {
            throw fail("uses the objective \(quoted: objectiveName), which Berth does not support; supported: \(XGBoostObjective.supportedNames.joined(separator: ", "))")
        }
        let featureCount = try integer(parameters["num_feature"], "num_feature", fail)
        let classCount = (try? integer(parameters["num_class"], "num_class", fail)) ?? 0
        let targetCount = (try? integer(parameters["num_target"], "num_target", fail)) ?? 1
        let groupCount = classCount > 0 ? classCount : max(targetCount, 1)
        guard (1...LoadedModel.maxFeatureCount).contains(featureCount) else {
            throw fail("declares \(featureCount) features; Berth serves 1 to \(LoadedModel.maxFeatureCount)")
        }
        guard groupCount <= 1 << 16 else { throw fail("declares \(groupCount) outputs") }

        let baseScores = try parseBaseScore(parameters["base_score"], fail)
        guard baseScores.count == 1 || baseScores.count == groupCount else {
            throw fail("has \(baseScores.count) base scores for \(groupCount) outputs")
        }
        let baseMargins = (0..<groupCount).map { objective.margin(fromBaseScore: baseScores[baseScores.count == 1 ? 0 : $0]) }

        guard let booster = learner["gradient_booster"], let boosterName = booster["name"]?.string else {
            throw fail("has no gradient_booster")
        }
        let ir: ModelIR
        let treeCount: Int
        switch boosterName {
        case "gbtree":
            let path = documentPath + ["learner", "gradient_booster", "model", treesKey]
            var trees = try decodeTrees(booster["model"], listed: listedTrees.filter { $0.path == path }, groupCount: groupCount, parallelism: parallelism, fail)
            if stopsAtBestIteration, let kept = treesUpToBestIteration(learner, model: booster["model"], groupCount: groupCount) {
                trees = (Array(trees.trees.prefix(kept)), Array(trees.groups.prefix(kept)))
            }
            treeCount = trees.trees.count
            ir = .trees(TreeEnsemble(featureCount: featureCount, groupCount: groupCount, trees: trees.trees,
                                     treeGroups: trees.groups, baseMargins: baseMargins, transform: objective.transform))
        case "dart":
            let path = documentPath + ["learner", "gradient_booster", "gbtree", "model", treesKey]
            var trees = try decodeTrees(booster["gbtree"]?["model"], listed: listedTrees.filter { $0.path == path }, groupCount: groupCount, parallelism: parallelism, fail)
            guard var weights = booster["weight_drop"]?.numbers, weights.count == trees.trees.count else {
                throw fail("is a dart model whose weight_drop does not have one weight per tree")
            }
            if stopsAtBestIteration, let kept = treesUpToBestIteration(learner, model: booster["gbtree"]?["model"], groupCount: groupCount) {
                trees = (Array(trees.trees.prefix(kept)), Array(trees.groups.prefix(kept)))
                weights = Array(weights.prefix(kept))
            }
            treeCount = trees.trees.count
            ir = .trees(TreeEnsemble(featureCount: featureCount, groupCount: groupCount, trees: trees.trees,
                                     treeGroups: trees.groups, treeWeights: weights.map(Float.init),
                                     baseMargins: baseMargins, transform: objective.transform))
        case "gblinear":
            guard let weights = booster["model"]?["weights"]?.numbers else { throw fail("is a gblinear model without weights") }
            guard weights.count == (featureCount + 1) * groupCount else {
                throw fail("has \(weights.count) linear weights, expected (\(featureCount) features + 1) × \(groupCount) outputs")
            }
            let floats = weights.map(Float.init)
            treeCount = 0
            // xgboost 3.1+ saves a base score per output, but its linear booster adds the first to every output's
            // margin (its trees add each output's own): the fixture xgboost-gblinear-multiclass holds xgboost to it.
            ir = .linear(LinearModel(featureCount: featureCount, groupCount: groupCount,
                                     weights: Array(floats[0..<featureCount * groupCount]),
                                     biases: Array(floats[(featureCount * groupCount)...]),
                                     baseMargins: Array(repeating: baseMargins[0], count: groupCount), transform: objective.transform))
        default:
            throw fail("uses the booster \(quoted: boosterName); Berth reads gbtree, dart and gblinear")
        }
        var loaded = LoadedModel(xgboost: ir, format: format, objective: objective, booster: boosterName, treeCount: treeCount,
                                 writerVersion: version)
        // Names are kept only when there is one for every feature (xgboost writes none, or all of them).
        if let names = learner["feature_names"]?.array?.compactMap(\.string), names.count == featureCount {
            loaded.featureNames = names
        }
        let model = boosterName == "dart" ? booster["gbtree"]?["model"] : booster["model"]
        loaded.featureKinds = XGBoostFeatureKinds.read(learner: learner, model: model, featureCount: featureCount)
        loaded.unseenCategories = .refused
        return loaded
    }

    /// How many trees the iterations up to `best_iteration` (a learner attribute early stopping sets) hold: up to
    /// `iteration_indptr`'s entry after it (xgboost 2.1 on), else that many iterations of one tree per output and
    /// parallel tree. Nil without the attribute.
    private static func treesUpToBestIteration(_ learner: JSONValue, model: JSONValue?, groupCount: Int) -> Int? {
        guard let text = learner["attributes"]?["best_iteration"]?.string, let best = Int(text), best >= 0 else { return nil }
        if let bounds = model?["iteration_indptr"]?.numbers, best + 1 < bounds.count, let end = Int(exactly: bounds[best + 1]) {
            return max(0, end)
        }
        let parameters = model?["gbtree_model_param"]
        let parallel = parameters?["num_parallel_tree"].flatMap { $0.string.flatMap(Int.init) ?? $0.number.flatMap { Int(exactly: $0) } } ?? 1
        let (perIteration, overflow) = groupCount.multipliedReportingOverflow(by: max(1, parallel))
        let (kept, overflowKept) = perIteration.multipliedReportingOverflow(by: best + 1)
        return overflow || overflowKept ? nil : kept
    }

    /// `base_score` as `"5E-1"`, `"0.500000"` or (3.1+) `"[6.333333E-1,…]"`; a missing value means 0.5.
    static func parseBaseScore(_ value: JSONValue?, _ fail: (String) -> ModelReadError) throws(ModelReadError) -> [Float] {
        guard let value else { return [0.5] }
        if let number = value.number { return [Float(number)] }
        guard var text = value.string?.trimmingWhitespace() else { throw fail("has an unreadable base_score") }
        if text.hasPrefix("[") && text.hasSuffix("]") { text = String(text.dropFirst().dropLast()) }
        var scores = [Float]()
        for part in text.split(separator: ",") {
            guard let score = Float(part.trimmingWhitespace()) else { throw fail("has an unreadable base_score \(quoted: text)") }
            scores.append(score)
        }
        guard !scores.isEmpty else { throw fail("has an empty base_score") }
        return scores
    }

    private static func integer(_ value: JSONValue?, _ name: String, _ fail: (String) -> ModelReadError) throws(ModelReadError) -> Int {
        if let number = value?.number, let exact = Int(exactly: number) { return exact }
        if let text = value?.string, let exact = Int(text) { return exact }
        throw fail("has no valid \(name)")
    }

    /// What decoding one tree costs in `RowParallelism`'s units of work (a step of a row's walk): about a thousand
    /// steps, 1.7 µs warm for the reference model's trees of up to 255 nodes, so a model of 64 trees or more splits.
    static let decodeWorkPerTree = 1 << 10

    /// `listed` are the arrays of trees a reader took out of `model`.
    private static func decodeTrees(_ model: JSONValue?, listed: [ListedTrees], groupCount: Int, parallelism: RowParallelism,
                                    _ fail: @escaping @Sendable (String) -> ModelReadError)
        throws(ModelReadError) -> (trees: [DecisionTree], groups: [Int])
    {
        guard let model else { throw fail("has no trees") }
        guard listed.count + (model[treesKey] == nil ? 0 : 1) <= 1 else {
            throw fail("has \(quoted: treesKey) more than once in its booster's model; an XGBoost model has it once")
        }
        let trees: ListedTrees
        if let listed = listed.first {
            trees = listed
        } else if let values = model[treesKey]?.array {
            let objects = try values.enumerated().map { (index, value) throws(ModelReadError) in
                guard let members = value.object else { throw fail("tree \(index) is not an object") }
                return JSONMembers(members)
            }
            trees = ListedTrees(nested: objects)
        } else {
            throw fail("has no trees")
        }
        let groups: [Int]
        if let info = model["tree_info"]?.numbers {
            groups = info.map { Int(exactly: $0) ?? -1 }
        } else {
            groups = [Int](repeating: 0, count: trees.count)
        }
        guard groups.count == trees.count else {
            throw fail("has \(trees.count) trees but \(groups.count) tree_info entries")
        }
        // Each tree on its own (a JSON model's parsed here): on `parallelism`'s threads when there are many (the other
        // core is idle by then in a cold start, the HTTP server up); the lowest bad tree is the one named, as when the
        // trees are read in order.
        let decoded = try parallelism.map(count: trees.count, work: trees.count * decodeWorkPerTree) { index throws(ModelReadError) in
            try decodeTree(try trees.members(index), index: index, fail)
        }
        return (decoded, groups)
    }

    private static func decodeTree(_ tree: JSONMembers, index: Int, _ fail: @Sendable (String) -> ModelReadError) throws(ModelReadError) -> DecisionTree {
        if let leafVector = tree["tree_param"]?["size_leaf_vector"], let size = Int(leafVector.string ?? "") ?? leafVector.number.flatMap({ Int(exactly: $0) }), size > 1 {
            throw fail("tree \(index) has vector leaves (multi_strategy=multi_output_tree), which Berth does not serve yet; train with the default one_output_per_tree")
        }
        // Each array goes straight from how the document stores it to the tree's own type (`JSONMembers.mapNumbers`;
        // for a UBJSON tree's typed arrays, `BinaryNumbers.map`).
        guard let left = tree.mapNumbers("left_children", index32), let right = tree.mapNumbers("right_children", index32),
              let features = tree.mapNumbers("split_indices", index32), let conditions = tree.mapNumbers("split_conditions", { Float($0) }),
              let defaults = tree.mapNumbers("default_left", { $0 != 0 }) else {
            throw fail("tree \(index) lacks left_children, right_children, split_indices, split_conditions or default_left")
        }
        let count = left.count
        guard right.count == count, features.count == count, conditions.count == count, defaults.count == count else {
            throw fail("tree \(index) has node arrays of different lengths")
        }
        var categories = [Int: [Int32]]()
        if let categorical = tree.mapNumbers("split_type", { $0 == 1 }), categorical.contains(true) {
            guard categorical.count == count else { throw fail("tree \(index) has \(categorical.count) split types for \(count) nodes") }
            // A start or size that is not a whole number becomes -1, which the check below refuses.
            let whole = { (number: Double) in Int(exactly: number) ?? -1 }
            guard let nodes = tree.mapNumbers("categories_nodes", index32), let segments = tree.mapNumbers("categories_segments", whole),
                  let sizes = tree.mapNumbers("categories_sizes", whole), let codes = tree.mapNumbers("categories", index32),
                  nodes.count == segments.count, nodes.count == sizes.count else {
                throw fail("tree \(index) has categorical splits without consistent categories_* arrays")
            }
            // XGBoost lays the segments end to end, one per categorical node, so together they are no longer than
            // the array: segments that overlap past that cannot copy it over and over.
            var listed = 0
            for (entry, node) in nodes.enumerated() {
                let start = segments[entry], size = sizes[entry]
                guard start >= 0, size >= 0, start <= codes.count, size <= codes.count - start, size <= codes.count - listed else {
                    throw fail("tree \(index) has a categories segment outside the categories array, or segments that overlap")
                }
                guard node >= 0, Int(node) < count, categories[Int(node)] == nil else {
                    throw fail("tree \(index) lists categories for node \(node), which is not one of its \(count) nodes or is listed twice")
                }
                listed += size
                categories[Int(node)] = Array(codes[start..<start + size])
            }
            for (node, isCategorical) in categorical.enumerated() where isCategorical && left[node] != -1 && categories[node] == nil {
                categories[node] = []
            }
        }
        // A categorical node's split condition is never used; xgboost 1.7 to 2.1 write it as NaN (3.0 on, 1e-45).
        var values = conditions
        for node in categories.keys where values[node].isNaN { values[node] = 0 }
        return DecisionTree(
            leftChildren: left,
            rightChildren: right,
            splitFeatures: features,
            values: values,
            defaultLeft: defaults,
            categories: categories,
            // Each node's cover, for contributions; a tree without them (or with the wrong count) explains no contributions.
            covers: tree.mapNumbers("sum_hessian", { Float($0) }).flatMap { $0.count == count ? $0 : nil })
    }
}

/// A node, feature or category index read as a JSON number; anything not a representable integer becomes -2,
/// which validation then refuses with a message instead of trapping on the conversion.
func index32(_ value: Double) -> Int32 {
    guard let exact = Int32(exactly: value) else { return -2 }
    return exact
}
