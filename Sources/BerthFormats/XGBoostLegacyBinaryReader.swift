import BerthCore
import BerthText

/// Reads the legacy binary model format (xgboost 1.0 – 2.0 `save_model` without a `.json`/`.ubj` extension):
/// what SageMaker's XGBoost 1.3-1 … 1.7-1 containers write as `xgboost-model` (docs/model-formats.md §2.6).
///
/// Layout, little-endian: `binf`; a 136-byte `LearnerModelParamLegacy`; the objective and booster names as
/// dmlc strings; then the booster — gbtree/dart: a 160-byte `GBTreeModelParam`, per tree a 148-byte
/// `TreeParam` + 20-byte nodes + 16-byte stats, then `tree_info`, and for dart a `weight_drop` vector;
/// gblinear: a 136-byte parameter block and a weight vector. Legacy trees cannot hold categorical splits.
enum XGBoostLegacyBinaryReader {
    static let learnerParameterSize = 136
    static let treeModelParameterSize = 160
    static let treeParameterSize = 148
    static let linearParameterSize = 136
    static let nodeSize = 20
    static let nodeStatisticsSize = 16

    /// Whether the bytes start with `binf`: files always do; the model inside a pickled Booster of xgboost 0.90
    /// and 1.0 does not.
    enum Magic { case required, optional }

    /// With `ntreeLimit` (the `best_ntree_limit` a scikit-learn wrapper of xgboost 0.90 – 1.2 kept from early
    /// stopping, which its `predict` passed as `ntree_limit`), only the first `ntreeLimit` × outputs trees are kept, as
    /// that xgboost's predictor kept them; a limit of 0 or past the last tree keeps every tree.
    static func read(file: String, bytes: [UInt8], magic: Magic = .required, ntreeLimit: Int? = nil) throws(ModelReadError) -> LoadedModel {
        do {
            let start = magic == .required || bytes.starts(with: Array("binf".utf8)) ? 4 : 0
            return try parse(file: file, bytes: bytes, start: start, ntreeLimit: ntreeLimit)
        } catch let error as ModelReadError {
            throw error
        } catch let error as BinaryCursor.OutOfBytes {
            throw ModelReadError(file: file, reason: "ends at byte \(error.offset) where \(error.needed) more bytes were expected: the legacy binary model is truncated or corrupt")
        } catch {
            throw ModelReadError(file: file, reason: "could not be read: \(error)")
        }
    }

    private static func parse(file: String, bytes: [UInt8], start: Int, ntreeLimit: Int?) throws -> LoadedModel {
        let fail = { (reason: String) in ModelReadError(file: file, reason: reason) }
        var cursor = BinaryCursor(bytes, offset: start)
        let parameterStart = cursor.offset
        let baseScore = try cursor.float32()
        let featureCount = Int(try cursor.uint32())
        let classCount = Int(try cursor.int32())
        _ = try cursor.int32()  // contain_extra_attrs
        _ = try cursor.int32()  // contain_eval_metrics
        let majorVersion = try cursor.uint32()
        let minorVersion = try cursor.uint32()
        let targetCount = Int(try cursor.uint32())
        try cursor.skip(learnerParameterSize - (cursor.offset - parameterStart))

        let objectiveName = try cursor.string()
        let boosterName = try cursor.string()
        guard let objective = XGBoostObjective(name: objectiveName) else {
            throw fail("uses the objective \(quoted: objectiveName), which Berth does not support; supported: \(XGBoostObjective.supportedNames.joined(separator: ", "))")
        }
        guard (1...LoadedModel.maxFeatureCount).contains(featureCount) else {
            throw fail("declares \(featureCount) features; Berth serves 1 to \(LoadedModel.maxFeatureCount)")
        }
        guard classCount >= 0, classCount <= 1 << 16 else { throw fail("declares \(classCount) classes") }
        let groupCount = classCount > 0 ? classCount : max(targetCount, 1)
        guard groupCount <= 1 << 16 else { throw fail("declares \(groupCount) outputs") }
        // Before 1.0 base_score was stored as a margin already (xgb@v1.7.4 learner.cc, major_version < 1).
        let baseMargin = majorVersion < 1 && !objectiveName.hasPrefix("multi:") ? baseScore : objective.margin(fromBaseScore: baseScore)
        let baseMargins = [Float](repeating: baseMargin, count: groupCount)
        let version = "\(majorVersion).\(minorVersion)"

        switch boosterName {
        case "gbtree", "dart":
            let parameterStart = cursor.offset
            let treeCount = Int(try cursor.int32())
            try cursor.skip(treeModelParameterSize - (cursor.offset - parameterStart))
            guard treeCount >= 0, treeCount <= cursor.remaining / (treeParameterSize + nodeSize + nodeStatisticsSize) else {
                throw fail("declares \(treeCount) trees, more than the file can hold")
            }
            var trees = [DecisionTree]()
            trees.reserveCapacity(treeCount)
            for index in 0..<treeCount { trees.append(try readTree(&cursor, index: index, fail)) }
            var groups = [Int](repeating: 0, count: treeCount)
            if treeCount > 0 {
                for index in 0..<treeCount { groups[index] = Int(try cursor.int32()) }
            }
            var weights: [Float]?
            if boosterName == "dart" && treeCount > 0 {
                let count = try cursor.count(elementWidth: 4)
                guard count == treeCount else { throw fail("is a dart model with \(count) weights for \(treeCount) trees") }
                weights = try (0..<count).map { _ in try cursor.float32() }
            }
            let kept = keptTreeCount(treeCount, ntreeLimit: ntreeLimit, groupCount: groupCount)
            let ensemble = TreeEnsemble(featureCount: featureCount, groupCount: groupCount, trees: Array(trees.prefix(kept)),
                                        treeGroups: Array(groups.prefix(kept)), treeWeights: weights.map { Array($0.prefix(kept)) },
                                        baseMargins: baseMargins, transform: objective.transform)
            return LoadedModel(xgboost: .trees(ensemble), format: .xgboostLegacyBinary, objective: objective, booster: boosterName,
                               treeCount: kept, writerVersion: version)
        case "gblinear":
            try cursor.skip(linearParameterSize)
            let count = try cursor.count(elementWidth: 4)
            guard count == (featureCount + 1) * groupCount else {
                throw fail("has \(count) linear weights, expected (\(featureCount) features + 1) × \(groupCount) outputs")
            }
            let weights = try (0..<count).map { _ in try cursor.float32() }
            let model = LinearModel(featureCount: featureCount, groupCount: groupCount,
                                    weights: Array(weights[0..<featureCount * groupCount]),
                                    biases: Array(weights[(featureCount * groupCount)...]),
                                    baseMargins: baseMargins, transform: objective.transform)
            return LoadedModel(xgboost: .linear(model), format: .xgboostLegacyBinary, objective: objective, booster: boosterName,
                               treeCount: 0, writerVersion: version)
        default:
            throw fail("uses the booster \(quoted: boosterName); Berth reads gbtree, dart and gblinear")
        }
    }

    /// The trees an `ntree_limit` leaves: that many iterations of one tree per output (xgboost 0.90 – 1.2's
    /// `PredictBatch` multiplied the limit by the outputs), every tree for none, 0, or a limit past the last tree.
    static func keptTreeCount(_ treeCount: Int, ntreeLimit: Int?, groupCount: Int) -> Int {
        guard let ntreeLimit, ntreeLimit > 0 else { return treeCount }
        let (limit, overflow) = ntreeLimit.multipliedReportingOverflow(by: max(1, groupCount))
        return overflow ? treeCount : min(treeCount, limit)
    }

    private static func readTree(_ cursor: inout BinaryCursor, index: Int, _ fail: (String) -> ModelReadError) throws -> DecisionTree {
        let parameterStart = cursor.offset
        _ = try cursor.int32()  // deprecated_num_roots
        let nodeCount = Int(try cursor.int32())
        _ = try cursor.int32()  // num_deleted
        _ = try cursor.int32()  // deprecated_max_depth
        _ = try cursor.uint32()  // num_feature
        let leafVectorSize = try cursor.int32()
        try cursor.skip(treeParameterSize - (cursor.offset - parameterStart))
        guard leafVectorSize <= 1 else { throw fail("tree \(index) has vector leaves, which Berth does not serve yet") }
        guard nodeCount > 0, nodeCount <= cursor.remaining / (nodeSize + nodeStatisticsSize) else {
            throw fail("tree \(index) declares \(nodeCount) nodes, more than the file can hold")
        }
        var left = [Int32](), right = [Int32](), features = [Int32](), values = [Float](), defaults = [Bool]()
        left.reserveCapacity(nodeCount); right.reserveCapacity(nodeCount); features.reserveCapacity(nodeCount)
        values.reserveCapacity(nodeCount); defaults.reserveCapacity(nodeCount)
        for _ in 0..<nodeCount {
            _ = try cursor.int32()  // parent (top bit: is left child)
            left.append(try cursor.int32())
            right.append(try cursor.int32())
            let splitIndex = try cursor.uint32()
            features.append(Int32(bitPattern: splitIndex & 0x7FFF_FFFF))
            defaults.append(splitIndex >> 31 != 0)
            values.append(try cursor.float32())
        }
        // RTreeNodeStat: loss_chg, sum_hess (the node's cover), base_weight, leaf_child_cnt.
        var covers = [Float]()
        covers.reserveCapacity(nodeCount)
        for _ in 0..<nodeCount {
            let statisticsStart = cursor.offset
            _ = try cursor.float32()
            covers.append(try cursor.float32())
            try cursor.skip(nodeStatisticsSize - (cursor.offset - statisticsStart))
        }
        return DecisionTree(leftChildren: left, rightChildren: right, splitFeatures: features, values: values, defaultLeft: defaults,
                            covers: covers)
    }
}
