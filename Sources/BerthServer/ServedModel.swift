import BerthCodecs
import BerthCore
import BerthFormats

/// The model `/invocations` answers with, and what the startup log says about it.
public struct ServedModel: Sendable {
    public let model: any CompiledModel
    /// One entry per model file, in loading order.
    public let files: [(path: String, loaded: LoadedModel)]
    public let backend: String
    /// The outputs `SAGEMAKER_INFERENCE_OUTPUT` selects, already checked against the model's objective.
    public let selection: OutputSelection?
    /// What JSON answers carry by default when that is not the scores (ONNX classifiers: label and probabilities).
    public let jsonDefault: OutputSelection?

    public var featureCount: Int { model.featureCount }
    public var outputCount: Int { model.outputCount }
}
