import Dispatch

/// Runs CPU-heavy work (loading a model, answering a large batch) on a Dispatch thread and awaits it, so Swift's
/// cooperative pool — two threads here, shared by every HTTP handler — stays free to answer `/ping`.
public func offCooperativePool<Value: Sendable, Failure: Error>(
    _ work: @escaping @Sendable () throws(Failure) -> Value
) async throws(Failure) -> Value {
    let result = await withCheckedContinuation { continuation in
        DispatchQueue.global(qos: .userInitiated).async {
            continuation.resume(returning: Result { () throws(Failure) in try work() })
        }
    }
    return try result.get()
}
