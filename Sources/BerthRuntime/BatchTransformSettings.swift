/// Batch transform: whether the server answers a job's requests (`SAGEMAKER_BATCH`), and what
/// `/execution-parameters` tells the job.
public struct BatchTransformSettings: Sendable {
    /// `SAGEMAKER_BATCH`: answers are framed for `AssembleWith=Line` (one line per input record).
    public var enabled = false
    /// `SAGEMAKER_BATCH_STRATEGY`.
    public var strategy = BatchStrategy.multiRecord
    /// `SAGEMAKER_MAX_CONCURRENT_TRANSFORMS`: requests a job may send at once (default: the processor count).
    public var maxConcurrentTransforms: Int

    public init(processorCount: Int) {
        maxConcurrentTransforms = processorCount
    }

    mutating func read(_ reader: EnvironmentReader) throws(ConfigurationError) {
        if let enabled = try reader.boolean("SAGEMAKER_BATCH") { self.enabled = enabled }
        if let text = reader.string("SAGEMAKER_BATCH_STRATEGY") {
            guard let strategy = BatchStrategy(parsing: text) else {
                throw ConfigurationError(variable: "SAGEMAKER_BATCH_STRATEGY", value: text, expected: "MULTI_RECORD or SINGLE_RECORD")
            }
            self.strategy = strategy
        }
        if let transforms = try reader.integer("SAGEMAKER_MAX_CONCURRENT_TRANSFORMS", in: 1...10_000) {
            maxConcurrentTransforms = transforms
        }
    }
}
