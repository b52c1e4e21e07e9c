import BerthCore

/// Joins small requests that are waiting at the same moment into one kernel call, and splits the answer back.
///
/// Every request's rows go into a queue; whenever the queue goes from empty to not empty a drain task starts,
/// which (after an optional delay, default none) takes queued requests up to `maxRows` rows, predicts them in one
/// call, hands each request its rows, and repeats until the queue is empty. Enqueueing and the drain's "nothing
/// left, stop" happen under one lock, so no request is ever left behind. Requests of `maxRows` rows or more skip
/// the queue, so a small request waits at most for the batch in progress and its own.
public final class PredictionBatcher: Sendable {
    let model: any CompiledModel
    public let maxRows: Int
    public let delay: Duration

    private struct Waiting {
        let batch: FeatureBatch
        let continuation: CheckedContinuation<Predictions, Never>
    }

    private struct State {
        var queue = [Waiting]()
        var draining = false
    }

    private let state = LockedState(State())

    public init(model: any CompiledModel, maxRows: Int, delay: Duration = .zero) {
        self.model = model
        self.maxRows = max(1, maxRows)
        self.delay = delay
    }

    public func predict(_ batch: FeatureBatch) async -> Predictions {
        guard batch.rowCount < maxRows else { return model.predict(batch) }
        return await withCheckedContinuation { continuation in
            let startDrain = state.withLock { state -> Bool in
                state.queue.append(Waiting(batch: batch, continuation: continuation))
                guard !state.draining else { return false }
                state.draining = true
                return true
            }
            if startDrain { Task { await self.drain() } }
        }
    }

    private func drain() async {
        while true {
            if delay > .zero { try? await Task.sleep(for: delay) }
            let group = state.withLock { state -> [Waiting] in
                guard !state.queue.isEmpty else {
                    state.draining = false
                    return []
                }
                var rows = 0
                var taken = 0
                while taken < state.queue.count && (taken == 0 || rows + state.queue[taken].batch.rowCount <= maxRows) {
                    rows += state.queue[taken].batch.rowCount
                    taken += 1
                }
                defer { state.queue.removeFirst(taken) }
                return Array(state.queue.prefix(taken))
            }
            guard !group.isEmpty else { return }
            answer(group)
        }
    }

    /// One kernel call for the group's rows, then each request's share of the predictions.
    private func answer(_ group: [Waiting]) {
        if group.count == 1 {
            group[0].continuation.resume(returning: model.predict(group[0].batch))
            return
        }
        let columns = model.featureCount
        var values = [Float]()
        values.reserveCapacity(group.reduce(0) { $0 + $1.batch.values.count })
        for waiting in group { values.append(contentsOf: waiting.batch.values) }
        let rows = group.reduce(0) { $0 + $1.batch.rowCount }
        let predictions = model.predict(FeatureBatch(rowCount: rows, columnCount: columns, values: values))
        let outputs = predictions.columnCount
        var start = 0
        for waiting in group {
            let count = waiting.batch.rowCount
            let share = Array(predictions.values[start * outputs ..< (start + count) * outputs])
            waiting.continuation.resume(returning: Predictions(rowCount: count, columnCount: outputs, values: share))
            start += count
        }
    }
}
