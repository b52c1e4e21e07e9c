import HTTPTypes

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

    func set(_ newStatus: Status) { status.withLock { $0 = newStatus } }

    /// The model to answer `/invocations` with, or the failure that tells the caller why there is none.
    func servedModel() throws(InvocationFailure) -> ServedModel {
        switch current {
        case .loading:
            throw InvocationFailure(.serviceUnavailable, "the model is still loading; retry once GET /ping answers 200")
        case .failed:
            // The reason (which may name server paths) is in the log and in GET /ping, not in callers' answers.
            throw InvocationFailure(.internalServerError, "the model failed to load; the container log and GET /ping give the reason")
        case .ready(let model):
            return model
        }
    }
}
