/// Joining small concurrent requests into one kernel call (`PredictionBatcher`): not to be confused with batch
/// transform, which is a kind of job.
public struct BatchingSettings: Sendable {
    /// `BERTH_BATCHING`: on, off, or (nil, the default) where the model gains from joined calls
    /// (`CompiledModel.gainsFromJoinedCalls`) by more than joining costs, as measured at load (`BatchingChoice`).
    public var enabled: Bool?
    /// `BERTH_MAX_BATCH_ROWS`: the most rows one joined call takes; requests this large or larger run alone.
    public var maxRows = 256
    /// `BERTH_MAX_BATCH_DELAY_US`: how long a batch waits for more requests before running (zero: only what is queued).
    public var maxDelay = Duration.zero
    /// `BERTH_MAX_BATCH_CALLS`: the most joined kernel calls a model runs at once (nil: `defaultConcurrentCalls`).
    public var maxConcurrentCalls: Int?

    /// One joined call at a time for every 4 threads: one on a small machine, where it joins the most requests, and
    /// more where a single call would cap the requests a second (`PredictionBatcher`; docs/performance.md).
    public static func defaultConcurrentCalls(threadCount: Int) -> Int { max(1, threadCount / 4) }

    public init() {}

    mutating func read(_ reader: EnvironmentReader) throws(ConfigurationError) {
        if let enabled = try reader.boolean("BERTH_BATCHING") { self.enabled = enabled }
        if let rows = try reader.integer("BERTH_MAX_BATCH_ROWS", in: 1...1 << 20) { maxRows = rows }
        if let delay = try reader.integer("BERTH_MAX_BATCH_DELAY_US", in: 0...1_000_000) { maxDelay = .microseconds(delay) }
        if let calls = try reader.integer("BERTH_MAX_BATCH_CALLS", in: 1...1024) { maxConcurrentCalls = calls }
    }
}
