import BerthCore
import BerthFormats

/// The facts about a served model's files that the `model ready` log line, `berth inspect` and a multi-model
/// endpoint's load log report.
public struct ModelSummary: Sendable {
    /// One path per model file, in loading order.
    public let files: [String]
    /// The artifact's SHA-256 (`ArtifactDigest`: every file read, as unpacked), lowercase hex.
    public let sha256: String
    public let format: ModelFormat
    /// XGBoost's objective (`binary:logistic`), or what an ONNX graph is (`classifier`, `regressor`).
    public let objective: String
    /// `gbtree`, `dart`, `gblinear`, or the program that wrote an ONNX file (`skl2onnx 1.20.0`).
    public let kind: String
    /// The library and version that wrote the file, when the file says.
    public let writer: String?
    public let treeCount: Int
    /// What the outputs mean: which outputs `SAGEMAKER_INFERENCE_OUTPUT` may select, and a classifier's classes.
    public let meaning: PredictionMeaning
    /// The names of a binary or `multi:softmax` classifier's classes (`BERTH_CLASS_LABELS`, or the artifact's);
    /// class probabilities carry theirs in `meaning`.
    public let classLabels: ClassLabels?
    /// The features' names in column order, when the model file stores them.
    public var featureNames: [String]? { schema.map { $0.namesEveryFeature ? $0.features.map { $0.name! } : nil } ?? nil }
    /// The features' names, kinds and categories, when the model file records them (docs/feature-schema.md).
    public let schema: FeatureSchema?
}
