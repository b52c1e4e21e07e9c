import BerthCore

/// What a LightGBM objective means at prediction time: the `objective=` line of `model.txt` (the objective's
/// name and its parameters, `binary sigmoid:1`, `multiclass num_class:3`, `regression sqrt`) turned into the
/// output transform LightGBM's `ConvertOutput` applies and what the outputs mean (docs/model-formats.md §4.2).
public struct LightGBMObjective: Sendable, Equatable {
    /// The canonical name (`binary`, `multiclassova`, `regression`, …).
    public let name: String
    public let transform: DoubleOutputTransform

    /// The objective a model line names, or nil when LightGBM itself would not know it. Aliases are read as
    /// LightGBM reads them (`mse` is `regression`, `xentropy` is `cross_entropy`).
    public init?(line: String) {
        let words = line.split(separator: " ").map(String.init)
        guard let first = words.first else { return nil }
        let name = Self.aliases[first] ?? first
        var parameters = [String: String]()
        for word in words.dropFirst() {
            let parts = word.split(separator: ":", maxSplits: 1).map(String.init)
            guard let key = parts.first else { continue }  // a word of colons only
            parameters[key] = parts.count == 2 ? parts[1] : ""
        }
        let sigmoid = parameters["sigmoid"].flatMap(Double.init) ?? 1
        let sqrt = parameters["sqrt"] != nil
        self.name = name
        switch name {
        case "regression", "regression_l1", "huber", "fair", "quantile", "mape":
            transform = sqrt ? .signedSquare : .identity
        case "poisson", "gamma", "tweedie":
            transform = .exponential
        case "binary", "multiclassova":
            guard sigmoid.isFinite, sigmoid > 0 else { return nil }
            transform = .sigmoid(scale: sigmoid)
        case "cross_entropy":
            transform = .sigmoid(scale: 1)
        case "cross_entropy_lambda":
            transform = .logOnePlusExp
        case "multiclass":
            transform = .softmax
        case "lambdarank", "rank_xendcg", "custom":
            transform = .identity
        default:
            return nil
        }
    }

    /// What the outputs of a model with `classCount` outputs mean.
    public func meaning(classCount: Int) -> PredictionMeaning {
        switch name {
        case "binary": .binaryProbability
        case "multiclass", "multiclassova": .classProbabilities(labels: .integers(Array(0..<classCount)))
        default: .regression
        }
    }

    /// LightGBM's other names for its objectives (`ParseObjectiveAlias`).
    private static let aliases: [String: String] = [
        "regression_l2": "regression", "mean_squared_error": "regression", "mse": "regression", "l2": "regression",
        "l2_root": "regression", "root_mean_squared_error": "regression", "rmse": "regression",
        "l1": "regression_l1", "mean_absolute_error": "regression_l1", "mae": "regression_l1",
        "mean_absolute_percentage_error": "mape", "softmax": "multiclass",
        "multiclass_ova": "multiclassova", "ova": "multiclassova", "ovr": "multiclassova",
        "xentropy": "cross_entropy", "xentlambda": "cross_entropy_lambda",
        "xendcg": "rank_xendcg", "xe_ndcg": "rank_xendcg", "xe_ndcg_mart": "rank_xendcg",
        "xendcg_mart": "rank_xendcg", "none": "custom", "null": "custom", "na": "custom",
    ]
}
