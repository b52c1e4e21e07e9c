import BerthCore
import BerthFormats
import CoreMetrics

/// What the runtime measures while it answers and loads (docs/observability.md lists every metric): time in each
/// stage of a request, rows per request and per kernel call, and model loads. A multi-model endpoint adds its
/// models' (`MultiModelMetrics`).
///
/// Every metric is made from one injected `MetricsFactory` — swift-prometheus behind `/metrics` in `serve`, one
/// registry per server, so tests read exact counts — never from the process-wide `MetricsSystem`. Labels take only
/// values from a fixed set, so the number of series stays bounded however many models or requests there are.
///
/// A class, so the `ServedModel` that carries it (copied on every request) adds one reference, not a dozen.
public final class RuntimeMetrics: Sendable {
    /// Measures nothing: `berth predict`, `bench`, `inspect` and tests that do not read metrics.
    public static let disabled = RuntimeMetrics(factory: NOOPMetricsHandler.instance)

    /// The stages of answering a request, the values of `berth_stage_duration_seconds{stage}`.
    public enum Stage: String, CaseIterable, Sendable {
        case decode, queue, predict, explain, encode
    }

    /// The bucket upper bounds of the histograms of durations, in seconds: 50 µs to 10 s.
    ///
    /// Durations are recorded as seconds into value histograms (swift-metrics' `Recorder`), not through `Timer`:
    /// swift-prometheus keeps a `Timer`'s observations as `Duration`s and compares each with every bucket as 128-bit
    /// integers, which costs about 10% more per observation (docs/performance.md), and a request makes five.
    public static let durationBuckets: [Double] = [0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25,
                                                   0.5, 1, 2.5, 5, 10]
    /// The histograms of durations, which take `durationBuckets`.
    public static let durationHistograms = ["berth_stage_duration_seconds", "berth_model_load_duration_seconds",
                                            "berth_http_request_duration_seconds"]
    /// The bucket upper bounds of the histograms of row counts: powers of 4 from 1 to 262,144.
    public static let rowBuckets: [Double] = (0...9).map { Double(1 << (2 * $0)) }
    /// The histograms of rows, which take `rowBuckets`.
    public static let rowHistograms = ["berth_request_rows", "berth_kernel_call_rows"]

    let factory: any MetricsFactory
    private let decode: Recorder
    private let queue: Recorder
    private let predict: Recorder
    private let explain: Recorder
    private let encode: Recorder
    /// Rows explained, by explanation, apart from the rows predicted.
    private let explainedRows: [ExplanationKind: Counter]
    private let requestRows: Recorder
    private let kernelCallRows: Recorder
    private let modelLoadDuration: Recorder
    private let modelLoadsSucceeded: Counter
    private let modelLoadsFailed: Counter

    public init(factory: any MetricsFactory) {
        self.factory = factory
        func stage(_ stage: Stage) -> Recorder {
            Recorder(label: "berth_stage_duration_seconds", dimensions: [("stage", stage.rawValue)], factory: factory)
        }
        decode = stage(.decode)
        queue = stage(.queue)
        predict = stage(.predict)
        explain = stage(.explain)
        encode = stage(.encode)
        explainedRows = Dictionary(uniqueKeysWithValues: ExplanationKind.allCases.map { kind in
            (kind, Counter(label: "berth_explained_rows_total", dimensions: [("explanation", kind.rawValue)], factory: factory))
        })
        requestRows = Recorder(label: "berth_request_rows", factory: factory)
        kernelCallRows = Recorder(label: "berth_kernel_call_rows", factory: factory)
        modelLoadDuration = Recorder(label: "berth_model_load_duration_seconds", factory: factory)
        modelLoadsSucceeded = Counter(label: "berth_model_loads_total", dimensions: [("result", "success")], factory: factory)
        modelLoadsFailed = Counter(label: "berth_model_loads_total", dimensions: [("result", "failure")], factory: factory)
    }

    /// The rows one request brought.
    public func recordRequest(rows: Int) {
        requestRows.record(rows)
    }

    /// A model load that took `duration` and succeeded or failed.
    func recordLoad(_ duration: Duration, succeeded: Bool) {
        modelLoadDuration.record(duration)
        (succeeded ? modelLoadsSucceeded : modelLoadsFailed).increment()
    }

    /// Records how long `stage` took.
    func record(_ stage: Stage, _ duration: Duration) {
        switch stage {
        case .decode: decode.record(duration)
        case .queue: queue.record(duration)
        case .predict: predict.record(duration)
        case .explain: explain.record(duration)
        case .encode: encode.record(duration)
        }
    }

    /// Runs `body` as `stage`, recording how long it took.
    public func measure<Value, Failure: Error>(_ stage: Stage, _ body: () throws(Failure) -> Value) throws(Failure) -> Value {
        let start = ContinuousClock.now
        defer { record(stage, ContinuousClock.now - start) }
        return try body()
    }

    /// One request's explanations of `rows` rows, which took `duration` in all: the explain stage, and the rows
    /// explained.
    func recordExplanation(_ kind: ExplanationKind, rows: Int, duration: Duration) {
        explain.record(duration)
        explainedRows[kind]?.increment(by: Int64(rows))
    }

    /// Runs one kernel call of `rows` rows: the predict stage and the rows the call took, and its time a row taught to
    /// the model's `pace`.
    func measureKernelCall(rows: Int, pace: KernelPace?, _ body: () -> Predictions) -> Predictions {
        kernelCallRows.record(rows)
        let start = ContinuousClock.now
        let predictions = body()
        let duration = ContinuousClock.now - start
        record(.predict, duration)
        pace?.record(duration, rows: rows)
        return predictions
    }

    /// `berth_model_info{format, writer, sha256, objective, placement} 1`: what the single model of `serve` is. A
    /// multi-model endpoint does not publish it (a series per model would grow with every model loaded).
    public func publishModelInfo(_ model: ServedModel) {
        let summary = model.summary
        let labels = [("format", summary.format.description), ("writer", summary.writer ?? "unknown"), ("sha256", summary.sha256),
                      ("objective", summary.objective), ("placement", model.placement.label)]
        Gauge(label: "berth_model_info", dimensions: labels, factory: factory).record(1)
    }
}

extension Placement {
    /// The placement as a label value from a fixed set: `cpu`, `cuda`, `routed` (the GPU from a batch size on) or
    /// `graph` (a graph on the CPU with kernels elsewhere). The full description, with its numbers, is in the log.
    public var label: String {
        switch self {
        case .cpu: "cpu"
        case .cuda: "cuda"
        case .routed(let minimumRows, _) where minimumRows == Int.max: "cpu"
        case .routed(let minimumRows, _) where minimumRows <= 1: "cuda"
        case .routed: "routed"
        case .graph: "graph"
        }
    }
}

extension Recorder {
    /// Records `duration` in seconds.
    public func record(_ duration: Duration) {
        record(duration.inSeconds)
    }
}
