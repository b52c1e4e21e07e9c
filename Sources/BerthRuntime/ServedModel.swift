import BerthCodecs
import BerthCore
import BerthFormats

/// The model `/invocations` answers with, and what the logs say about it. It holds the compiled model only —
/// the files' IR is dropped once compiled, so a multi-model endpoint's budget counts what really stays.
public struct ServedModel: Sendable {
    public let model: any CompiledModel
    public let description: Description
    /// Where predictions run: "cpu", or which batches the GPU takes and why (`CompiledModel.placement`).
    public let backend: String
    /// The outputs `SAGEMAKER_INFERENCE_OUTPUT` selects, already checked against the model's objective.
    public let selection: OutputSelection?
    /// What JSON answers carry by default when that is not the scores (ONNX classifiers: label and probabilities).
    public let jsonDefault: OutputSelection?
    /// Joins concurrent small requests into one kernel call (`BERTH_BATCHING`), or nil.
    public let batcher: PredictionBatcher?

    /// The facts the logs report about the model files.
    public struct Description: Sendable {
        /// One path per model file, in loading order.
        public let files: [String]
        public let format: ModelFormat
        public let objective: String
        public let kind: String
        public let writer: String?
        public let treeCount: Int
    }

    public var featureCount: Int { model.featureCount }
    public var outputCount: Int { model.outputCount }
    public var residentBytes: Int { model.residentBytes }
}
