import Logging

/// Everything Berth is told, from SageMaker's environment variables and the command line, grouped by concern:
/// how it serves requests, which model it loads, batch transform, joining requests into batches, multi-model
/// endpoints, and the device it computes on.
///
/// Precedence: a command-line flag beats the environment, which beats the default. An invalid value is a
/// startup error naming the variable and what it accepts, never a silent fallback. `docs/configuration.md` lists
/// every variable.
public struct BerthConfiguration: Sendable {
    public var serving = ServingSettings()
    public var model = ModelSettings()
    public var batchTransform: BatchTransformSettings
    public var batching = BatchingSettings()
    public var multiModel = MultiModelSettings()
    public var compute: ComputeSettings
    /// `BERTH_LOG_LEVEL` (or `LOG_LEVEL`, or SageMaker's numeric `SAGEMAKER_CONTAINER_LOG_LEVEL`).
    public var logLevel = Logger.Level.info

    /// Defaults, as SageMaker's own containers have them.
    public init(processorCount: Int) {
        batchTransform = BatchTransformSettings(processorCount: processorCount)
        compute = ComputeSettings(processorCount: processorCount)
    }

    /// The configuration the environment describes (docs/contract.md §2, §13, LOCAL-3).
    public init(environment: [String: String], processorCount: Int) throws(ConfigurationError) {
        self.init(processorCount: processorCount)
        let reader = EnvironmentReader(environment)
        try serving.read(reader)
        try model.read(reader)
        try batchTransform.read(reader)
        try batching.read(reader)
        try multiModel.read(reader)
        try compute.read(reader)
        if let (variable, level) = ["BERTH_LOG_LEVEL", "LOG_LEVEL"].lazy.compactMap({ name in reader.string(name).map { (name, $0) } }).first {
            guard let parsed = Logger.Level(rawValue: level.lowercased()) else {
                throw ConfigurationError(variable: variable, value: level,
                                         expected: "trace, debug, info, notice, warning, error or critical")
            }
            logLevel = parsed
        } else if let numeric = try reader.integer("SAGEMAKER_CONTAINER_LOG_LEVEL", in: 0...100) {
            // Python's logging levels, as SageMaker's containers read this variable.
            logLevel = numeric <= 10 ? .debug : numeric <= 20 ? .info : numeric <= 30 ? .warning : .error
        }
    }
}
