/// Whether the server can answer `/invocations` yet — what `/ping` reports (PING-1..4).
///
/// Loading runs beside the HTTP server, so pings are answered from the first millisecond; they read this state
/// under a lock and never wait on the load.
public final class ModelState: Sendable {
    public enum Status: Sendable {
        case loading
        case ready(ServedModel)
        case failed(String)
    }

    private let status = LockedState(Status.loading)

    public init() {}

    public var current: Status { status.withLock { $0 } }

    public func set(_ newStatus: Status) { status.withLock { $0 = newStatus } }

    /// Whether a model is ready to answer.
    public var isReady: Bool {
        if case .ready = current { return true }
        return false
    }

    /// The model to answer with, or why there is none yet.
    public func readyModel() throws(ModelUnavailable) -> ServedModel {
        switch current {
        case .loading: throw .loading
        case .failed(let reason): throw .failed(reason)
        case .ready(let model): return model
        }
    }
}

/// Why a request cannot be answered by the single model: it is still loading, or its load failed.
public enum ModelUnavailable: Error, Sendable, Equatable {
    case loading
    /// The load's failure, which may name server paths: for the log and `/ping`, not for callers' answers.
    case failed(String)
}
