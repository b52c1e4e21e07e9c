/// A model ready to predict on one kind of device.
///
/// The server holds one of these after start-up and never asks which device it runs on. Implementations are
/// immutable after compilation, so concurrent requests may call `predict` at the same time.
public protocol CompiledModel: Sendable {
    var featureCount: Int { get }
    var outputCount: Int { get }
    /// The bytes the compiled model keeps in memory (node arrays, weights, constants): what a multi-model
    /// endpoint's memory budget counts.
    var residentBytes: Int { get }
    /// Predicts every row of `batch`, whose `columnCount` must equal `featureCount`.
    func predict(_ batch: FeatureBatch) -> Predictions
    /// Where predictions run, for the log and `berth inspect`.
    var placement: Placement { get }
    /// What the request decoders must keep: float32 values, or the doubles as well.
    var featurePrecision: FeaturePrecision { get }
    /// What `predict` answers: float32 values, or doubles beside them (`Predictions.doubles`).
    var outputPrecision: FeaturePrecision { get }
    /// Explains every row of `batch` (whose `columnCount` must equal `featureCount`), or says why this model cannot.
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations
    /// Whether one call on many rows can cost less than a call per row — dense layers (one matrix product instead of
    /// many), every batch on the GPU (one launch instead of many) — so dynamic batching may pay; by default it is on
    /// where it was also measured at load to save more than it costs (`JoinedCallSaving`,
    /// docs/performance.md#dynamic-batching).
    var gainsFromJoinedCalls: Bool { get }
    /// Which of its ways to run the kernel chose on this machine, and why (the tree walk measured at load), for the
    /// model ready line and `berth inspect`; nil when it had no choice to make.
    var kernelChoice: String? { get }
}

extension CompiledModel {
    /// Float32, as XGBoost and ONNX compare.
    public var featurePrecision: FeaturePrecision { .float32 }
    /// Float32, as XGBoost and ONNX answer.
    public var outputPrecision: FeaturePrecision { .float32 }

    /// Tree kernels cost the same per row whatever the batch: joining calls gains nothing.
    public var gainsFromJoinedCalls: Bool { false }

    /// Most kernels have one way to run.
    public var kernelChoice: String? { nil }

    /// Models explain nothing unless their kernel says how.
    public func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        throw ExplanationRefusal("Berth explains XGBoost, LightGBM and CatBoost models and ONNX tree ensembles; this model cannot answer explain=\(kind.rawValue)")
    }
}

/// Something that turns the model IR into a `CompiledModel`: the CPU kernels, or a GPU.
public protocol Backend: Sendable {
    /// A short name for logs ("cpu", "cuda").
    var name: String { get }
    /// Compiles `model`, validating it first; a malformed IR is a `ModelValidationError`, never a crash later.
    func compile(_ model: ModelIR) throws(ModelValidationError) -> any CompiledModel
}

/// Why a model IR cannot be compiled: a hostile or corrupt model file that parsed but does not make sense.
public struct ModelValidationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { reason }
}
