import BerthCodecs
import BerthCore
import BerthOpenInference

/// The model `/invocations` (or `berth predict`) answers with, and what the logs say about it. It holds the
/// compiled model only — the files' IR is dropped once compiled, so a multi-model endpoint's budget counts what
/// really stays.
public struct ServedModel: Sendable {
    public let compiled: any CompiledModel
    public let summary: ModelSummary
    /// The outputs `SAGEMAKER_INFERENCE_OUTPUT` selects, already checked against the model's objective.
    public let outputSelection: OutputSelection?
    /// What JSON answers carry when nothing is selected and that is not the scores (ONNX classifiers: the label
    /// and the probabilities).
    public let defaultJSONSelection: OutputSelection?
    /// Joins concurrent small requests into one kernel call (`BERTH_BATCHING`), or nil.
    public let batcher: PredictionBatcher?
    /// Where the stages of answering are measured.
    public let metrics: RuntimeMetrics
    /// The Triton FIL configuration the model came with, when it was read from a Triton model repository: its name,
    /// tensors and FIL's answer options for the Open Inference Protocol routes.
    public let triton: TritonModelConfig?

    public var placement: Placement { compiled.placement }
    public var featureCount: Int { compiled.featureCount }
    public var outputCount: Int { compiled.outputCount }
    public var residentBytes: Int { compiled.residentBytes }

    /// The predictions for `batch`, joined with other requests' rows when batching is on.
    public func predict(_ batch: FeatureBatch) async -> Predictions {
        if let batcher { await batcher.predict(batch) } else { predictAlone(batch) }
    }

    /// The predictions for `batch` in a kernel call of its own, on this thread (large bodies, `berth predict`).
    public func predictAlone(_ batch: FeatureBatch) -> Predictions {
        metrics.measureKernelCall(rows: batch.rowCount) { compiled.predict(batch) }
    }
}
