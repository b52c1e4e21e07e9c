import Dispatch

extension RowParallelism {
    /// Two independent pieces of work, on two threads at once where this has two, else one after the other.
    ///
    /// For a model's compilation, whose parts built from the same forest need not wait for each other. The caller's
    /// thread takes part (`DispatchQueue.concurrentPerform`), so a busy pool delays the other piece, never both.
    func both<First: Sendable, Second: Sendable>(_ first: @Sendable () -> First, _ second: @Sendable () -> Second) -> (First, Second) {
        guard threadCount > 1 else { return (first(), second()) }
        let firstResult = ResultSlot<First>(), secondResult = ResultSlot<Second>()
        DispatchQueue.concurrentPerform(iterations: 2) { index in
            if index == 0 { firstResult.value = first() } else { secondResult.value = second() }
        }
        // concurrentPerform returns once both have run, and its return orders their writes before these reads.
        return (firstResult.value!, secondResult.value!)
    }
}

/// Where one of `both`'s pieces leaves its result: written by one thread, read after the join.
private final class ResultSlot<Value>: @unchecked Sendable {
    var value: Value?
}
