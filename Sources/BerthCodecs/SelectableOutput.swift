import BerthCore

/// One output a client can ask for with `SAGEMAKER_INFERENCE_OUTPUT`, named as SageMaker's built-in XGBoost
/// names it.
///
/// Which keys a model offers depends on what its numbers mean: a regressor only has a `predicted_score`, a
/// `binary:logitraw` classifier has labels and raw scores but no probabilities. The table is the official
/// container's (`serve_utils.VALID_OBJECTIVES`), extended to every regression-like objective, where the
/// official container answers 500.
public enum SelectableOutput: String, Sendable, CaseIterable {
    case predictedLabel = "predicted_label"
    case labels
    case probability
    case probabilities
    case rawScore = "raw_score"
    case rawScores = "raw_scores"
    case predictedScore = "predicted_score"

    /// The keys a model whose outputs mean `meaning` offers, in the official container's order.
    public static func valid(for meaning: PredictionMeaning) -> [SelectableOutput] {
        switch meaning {
        case .regression: [.predictedScore]
        case .binaryProbability, .classProbabilities: [.predictedLabel, .labels, .probability, .probabilities, .rawScore, .rawScores]
        case .binaryMargin, .binaryLabel, .classIndex: [.predictedLabel, .labels, .rawScore, .rawScores]
        }
    }
}
