import NIOConcurrencyHelpers

/// State shared between threads behind a lock, with `Synchronization.Mutex`'s `withLock` shape.
///
/// Not `Mutex` itself: on Linux it locks with bare futex calls, which ThreadSanitizer cannot see, so every access
/// it guards is reported as a race and real races drown in the noise. `NIOLock` is a pthread mutex, which
/// ThreadSanitizer understands; the cost is the same for the few short critical sections here.
final class LockedState<Value: Sendable>: @unchecked Sendable {
    private let lock = NIOLock()
    private var value: Value

    init(_ value: Value) {
        self.value = value
    }

    func withLock<Result, Failure: Error>(_ body: (inout Value) throws(Failure) -> Result) throws(Failure) -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
