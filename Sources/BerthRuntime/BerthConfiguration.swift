import BerthArtifacts
import BerthCodecs
import BerthJSON
import Logging

/// Everything `berth serve` is told, from SageMaker's environment variables and the command line.
///
/// Precedence: a command-line flag beats the environment, which beats the default. Invalid values are a
/// startup error naming the variable and what it accepts, never a silent fallback.
public struct BerthConfiguration: Sendable {
    public var host = "0.0.0.0"
    public var port = 8080
    public var modelDirectory = "/opt/ml/model"
    /// The largest request body accepted, in bytes; nil means unlimited (`SAGEMAKER_MAX_PAYLOAD_IN_MB=0`).
    public var maxPayloadBytes: Int? = 6 << 20
    /// `MaxPayloadInMB` as reported by `/execution-parameters`.
    public var maxPayloadInMB = 6
    public var defaultAccept = ResponseFormat.csv
    public var batchMode = false
    public var batchStrategy = "MULTI_RECORD"
    public var maxConcurrentTransforms: Int
    /// Serve every model file as one ensemble (`SAGEMAKER_INFERENCE_ENSEMBLE`), or only the first.
    public var ensemble = true
    /// `SAGEMAKER_INFERENCE_OUTPUT`: the outputs to answer with, checked against the model when it loads.
    public var inferenceOutput: String?
    /// `BERTH_LIBSVM_INDEX_BASE`: whether libsvm requests number features from 0 (default) or 1.
    public var libsvmIndexBase = 0
    /// `BERTH_BATCHING`: join small concurrent requests into one kernel call.
    public var batching = true
    /// `BERTH_MAX_BATCH_ROWS`: the most rows one joined call takes; requests this large or larger run alone.
    public var maxBatchRows = 256
    /// `BERTH_MAX_BATCH_DELAY_US`: how long a batch waits for more requests before running (0: only what is queued).
    public var maxBatchDelayMicroseconds = 0
    /// `SAGEMAKER_MULTI_MODEL`: start with no model and serve the multi-model management API (MME-1).
    public var multiModel = false
    /// `BERTH_MODELS_ROOT`: the only folder multi-model loads may read from (SageMaker's `/opt/ml/models`).
    public var modelsRoot = "/opt/ml/models"
    /// `BERTH_MODELS_MEMORY_MB`: the bytes loaded models may hold together; nil = a share of the container's memory.
    public var modelsMemoryBudget: Int?
    /// `BERTH_BODY_TIMEOUT_SECONDS`: how long a client may take to send one request body after its headers (408).
    public var bodyTimeoutSeconds = 60
    /// `BERTH_IDLE_TIMEOUT_SECONDS`: how long a keep-alive connection may sit idle (or trickle its headers).
    public var idleTimeoutSeconds = 75
    public var artifactLimits = ArtifactLimits()
    public var threadCount: Int
    /// `BERTH_DEVICE`: where models run (`auto`: the GPU when one can be bound, for batches large enough to win).
    public var device = DeviceSelection.auto
    /// `BERTH_CUDA_MIN_ROWS`: with `auto`, the smallest batch the GPU takes, instead of the one measured at load.
    public var cudaMinimumRows: Int?
    /// `BERTH_NVRTC_PATH`: the NVRTC library (or its folder) to compile GPU kernels with.
    public var nvrtcPath: String?
    public var logLevel = Logger.Level.info

    /// Defaults, as SageMaker's own containers have them.
    public init(processorCount: Int) {
        maxConcurrentTransforms = processorCount
        threadCount = processorCount
    }

    /// The configuration the environment describes (CONTRACT.md §2, §13, LOCAL-3).
    public init(environment: [String: String], processorCount: Int) throws(ConfigurationError) {
        self.init(processorCount: processorCount)
        let reader = EnvironmentReader(environment)
        if let port = try reader.integer("SAGEMAKER_BIND_TO_PORT", in: 1...65535) { self.port = port }
        if let directory = reader.string("SM_MODEL_DIR") { modelDirectory = directory }
        if let megabytes = try reader.integer("SAGEMAKER_MAX_PAYLOAD_IN_MB", in: 0...1 << 20) {
            maxPayloadInMB = megabytes
            maxPayloadBytes = megabytes == 0 ? nil : megabytes << 20
        }
        if let accept = reader.string("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") {
            guard let mediaType = MediaType(parsing: accept), let format = ResponseFormat(mediaType: mediaType) else {
                throw ConfigurationError(variable: "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", value: accept,
                                         expected: ResponseFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            defaultAccept = format
        }
        if let batch = try reader.boolean("SAGEMAKER_BATCH") { batchMode = batch }
        if let strategy = reader.string("SAGEMAKER_BATCH_STRATEGY") {
            let normalized = strategy.uppercased().replacing("-", with: "_")
            switch normalized {
            case "MULTI_RECORD", "MULTIRECORD": batchStrategy = "MULTI_RECORD"
            case "SINGLE_RECORD", "SINGLERECORD": batchStrategy = "SINGLE_RECORD"
            default:
                throw ConfigurationError(variable: "SAGEMAKER_BATCH_STRATEGY", value: strategy, expected: "MULTI_RECORD or SINGLE_RECORD")
            }
        }
        if let transforms = try reader.integer("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", in: 1...10_000) {
            maxConcurrentTransforms = transforms
        }
        if let ensemble = try reader.boolean("SAGEMAKER_INFERENCE_ENSEMBLE") { self.ensemble = ensemble }
        inferenceOutput = reader.string("SAGEMAKER_INFERENCE_OUTPUT")
        if let base = try reader.integer("BERTH_LIBSVM_INDEX_BASE", in: 0...1) { libsvmIndexBase = base }
        if let multiModel = try reader.boolean("SAGEMAKER_MULTI_MODEL") { self.multiModel = multiModel }
        if let batching = try reader.boolean("BERTH_BATCHING") { self.batching = batching }
        if let rows = try reader.integer("BERTH_MAX_BATCH_ROWS", in: 1...1 << 20) { maxBatchRows = rows }
        if let delay = try reader.integer("BERTH_MAX_BATCH_DELAY_US", in: 0...1_000_000) { maxBatchDelayMicroseconds = delay }
        if let seconds = try reader.integer("BERTH_BODY_TIMEOUT_SECONDS", in: 1...86_400) { bodyTimeoutSeconds = seconds }
        if let seconds = try reader.integer("BERTH_IDLE_TIMEOUT_SECONDS", in: 1...86_400) { idleTimeoutSeconds = seconds }
        if let root = reader.string("BERTH_MODELS_ROOT") { modelsRoot = root }
        if let megabytes = try reader.integer("BERTH_MODELS_MEMORY_MB", in: 1...1 << 30) { modelsMemoryBudget = megabytes << 20 }
        if let megabytes = try reader.integer("BERTH_MAX_ARTIFACT_MB", in: 1...1 << 30) {
            artifactLimits.maxTotalBytes = megabytes << 20
        }
        if let threads = try reader.integer("BERTH_THREADS", in: 1...1024) { threadCount = threads }
        if let device = reader.string("BERTH_DEVICE") {
            guard let selection = DeviceSelection(rawValue: device.lowercased()) else {
                throw ConfigurationError(variable: "BERTH_DEVICE", value: device, expected: "auto, cpu or cuda")
            }
            self.device = selection
        }
        cudaMinimumRows = try reader.integer("BERTH_CUDA_MIN_ROWS", in: 1...1 << 30)
        nvrtcPath = reader.string("BERTH_NVRTC_PATH")
        if let level = reader.string("BERTH_LOG_LEVEL") ?? reader.string("LOG_LEVEL") {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(variable: "BERTH_LOG_LEVEL", value: level,
                                         expected: "trace, debug, info, notice, warning, error or critical")
            }
            logLevel = parsed
        } else if let numeric = try reader.integer("SAGEMAKER_CONTAINER_LOG_LEVEL", in: 0...100) {
            // Python's logging levels, as SageMaker's containers read this variable.
            logLevel = numeric <= 10 ? .debug : numeric <= 20 ? .info : numeric <= 30 ? .warning : .error
        }
    }
}

/// An environment variable with a value Berth cannot use.
public struct ConfigurationError: Error, Sendable, Equatable, CustomStringConvertible {
    public let variable: String
    public let value: String
    public let expected: String

    public var description: String { "\(variable)=\(value) is not valid: expected \(expected)" }
}

/// Typed reads of environment variables; empty values count as unset.
struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingWhitespace(), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(variable: name, value: text, expected: "an integer in \(range.lowerBound)…\(range.upperBound)")
        }
        return value
    }

    /// `true`/`1`/`yes` or `false`/`0`/`no`, any case (LC-7, OQ-6).
    func boolean(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(name) else { return nil }
        switch text.lowercased() {
        case "true", "1", "yes", "on": return true
        case "false", "0", "no", "off": return false
        default: throw ConfigurationError(variable: name, value: text, expected: "true or false")
        }
    }
}
