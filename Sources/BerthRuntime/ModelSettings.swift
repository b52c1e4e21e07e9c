import BerthArtifacts
import BerthCore

/// Which model is served and how its files are read.
public struct ModelSettings: Sendable {
    /// `SM_MODEL_DIR` (or `--model-dir`): where SageMaker puts the artifact.
    public var directory = "/opt/ml/model"
    /// `BERTH_MAX_ARTIFACT_MB`: how far archives may inflate, among the limits on hostile artifacts. By default
    /// `defaultArtifactBytes` of the memory the container may use.
    public var artifactLimits = ArtifactLimits(maxTotalBytes: ModelSettings.defaultArtifactBytes(usableMemory: MemoryBudget.usableBytes()))
    /// `SAGEMAKER_INFERENCE_ENSEMBLE`: serve every model file as one ensemble, or only the first.
    public var ensemble = true
    /// `SAGEMAKER_INFERENCE_OUTPUT`: the outputs to answer with, checked against the model when it loads.
    public var inferenceOutput: String?
    /// `BERTH_CLASS_LABELS`: the names of a classifier's classes in class order (`setosa,versicolor,virginica`), for
    /// models whose artifact names none; `predicted_label` and `labels` answer them. Checked against the model's class
    /// count when it loads.
    public var classLabels: ClassLabels?
    /// `BERTH_EXPECT_SHA256`: the artifact digest (`ArtifactDigest`) the model must have, lowercase hex; a model
    /// with another digest is refused at start. Multi-model loads are not pinned by it.
    public var expectedSHA256: String?
    /// `BERTH_MODEL_NAME`: the name the Open Inference Protocol routes serve the model under (`/v2/models/{name}`)
    /// when it is not a Triton repository's (whose folder names it); `model` when unset.
    public var name: String?
    /// `SAGEMAKER_TRITON_DEFAULT_MODEL_NAME`: which model of a Triton repository with several to serve.
    public var tritonDefaultModelName: String?

    public init() {}

    /// `BERTH_MAX_ARTIFACT_MB`'s default: half the memory the container may use, at most 4096 MiB (and at least
    /// 64). Every reader holds a model file's bytes while it builds the model from them, so files past half of it
    /// leave little room for the model itself; and a gzip bomb inflated until the kernel kills the process would
    /// leave a crash loop with no message, where the limit names the file and the variable to raise.
    static func defaultArtifactBytes(usableMemory: Int) -> Int {
        min(ArtifactLimits.defaultMaxTotalBytes, max(64 << 20, usableMemory / 2))
    }

    mutating func read(_ reader: EnvironmentReader) throws(ConfigurationError) {
        if let directory = reader.string("SM_MODEL_DIR") { self.directory = directory }
        if let megabytes = try reader.integer("BERTH_MAX_ARTIFACT_MB", in: 1...1 << 30) {
            artifactLimits.maxTotalBytes = megabytes << 20
        }
        if let ensemble = try reader.boolean("SAGEMAKER_INFERENCE_ENSEMBLE") { self.ensemble = ensemble }
        inferenceOutput = reader.string("SAGEMAKER_INFERENCE_OUTPUT")
        if let name = reader.string("BERTH_MODEL_NAME") {
            guard !name.isEmpty, name.count <= 256, name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }) else {
                throw ConfigurationError(variable: "BERTH_MODEL_NAME", value: name,
                                         expected: "a model name of letters, digits, '-', '_' and '.' (at most 256), as it appears in /v2/models/{name}")
            }
            self.name = name
        }
        tritonDefaultModelName = reader.string("SAGEMAKER_TRITON_DEFAULT_MODEL_NAME")
        if let labels = reader.string("BERTH_CLASS_LABELS") {
            guard let parsed = ClassLabels(parsing: labels) else {
                throw ConfigurationError(variable: "BERTH_CLASS_LABELS", value: labels,
                                         expected: "the class labels in class order, separated by commas, none empty (setosa,versicolor,virginica)")
            }
            classLabels = parsed
        }
        if let digest = reader.string("BERTH_EXPECT_SHA256") {
            guard ArtifactDigest.isSHA256(digest) else {
                throw ConfigurationError(variable: "BERTH_EXPECT_SHA256", value: digest,
                                         expected: "the artifact's SHA-256 as 64 hexadecimal digits (berth inspect prints it)")
            }
            expectedSHA256 = digest.lowercased()
        }
    }
}
