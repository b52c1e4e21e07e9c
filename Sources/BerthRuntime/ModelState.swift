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
}
