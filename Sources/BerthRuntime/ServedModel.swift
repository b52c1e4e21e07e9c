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
    /// Whether the model is batched, and why (the `model ready` line says).
    public let batching: BatchingChoice
    /// Where the stages of answering are measured.
    public let metrics: RuntimeMetrics
    /// The Triton FIL configuration the model came with, when it was read from a Triton model repository: its name,
    /// tensors and FIL's answer options for the Open Inference Protocol routes.
    public let triton: TritonModelConfig?
    /// The kernel's measured time a row, which says when a request's prediction is moved off the cooperative pool.
    public let pace: KernelPace

    /// The estimated kernel time from which a request is predicted on a Dispatch thread rather than on Swift's
    /// cooperative pool, whose threads (two on a 2-core machine) answer `/ping` too. A thread hop costs about 20 µs,
    /// 1 % of this; a request held on the pool longer delays every other handler by as much.
    public static let longestOnPool: Duration = .milliseconds(2)

    public var placement: Placement { compiled.placement }
    public var featureCount: Int { compiled.featureCount }
    public var outputCount: Int { compiled.outputCount }
    public var residentBytes: Int { compiled.residentBytes }

    /// The predictions for `batch`, joined with other requests' rows when batching is on.
    public func predict(_ batch: FeatureBatch) async -> Predictions {
        if let batcher { await batcher.predict(batch) } else { predictAlone(batch) }
    }

    /// The predictions for one request's `batch`: as `predict` gives them when its estimated kernel time is short,
    /// and in a call of its own on a Dispatch thread from `longestOnPool` on, whatever the size of the body it came
    /// in (`KernelPace`), or always when `largeBody` (a body of 64 KiB or more, whose rows are many).
    public func predictWithoutHoldingThePool(_ batch: FeatureBatch, largeBody: Bool = false) async -> Predictions {
        guard largeBody || predictsOffThePool(rows: batch.rowCount) else { return await predict(batch) }
        return await offCooperativePool { () -> Predictions in predictAlone(batch) }
    }

    /// Whether a request of `rows` rows is long enough work to be predicted off the cooperative pool.
    func predictsOffThePool(rows: Int) -> Bool {
        pace.estimate(rows: rows) >= Self.longestOnPool
    }

    /// The predictions for `batch` in a kernel call of its own, on this thread (large bodies, `berth predict`).
    public func predictAlone(_ batch: FeatureBatch) -> Predictions {
        metrics.measureKernelCall(rows: batch.rowCount, pace: pace) { compiled.predict(batch) }
    }
}
