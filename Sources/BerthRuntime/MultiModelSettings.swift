/// A multi-model endpoint: no model at start, models loaded by name from one folder within a memory budget.
public struct MultiModelSettings: Sendable {
    /// `SAGEMAKER_MULTI_MODEL`: start with no model and serve the multi-model management API (MME-1).
    public var enabled = false
    /// `BERTH_MODELS_ROOT`: the only folder loads may read from (SageMaker's `/opt/ml/models`).
    public var modelsRoot = "/opt/ml/models"
    /// `BERTH_MODELS_MEMORY_MB`: the bytes loaded models may hold together; nil is a share of the container's
    /// memory (`MemoryBudget`).
    public var memoryBudgetBytes: Int?

    public init() {}

    mutating func read(_ reader: EnvironmentReader) throws(ConfigurationError) {
        if let enabled = try reader.boolean("SAGEMAKER_MULTI_MODEL") { self.enabled = enabled }
        if let root = reader.string("BERTH_MODELS_ROOT") { modelsRoot = root }
        if let megabytes = try reader.integer("BERTH_MODELS_MEMORY_MB", in: 1...1 << 30) { memoryBudgetBytes = megabytes << 20 }
    }
}
