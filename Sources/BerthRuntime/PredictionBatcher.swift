import BerthCore

/// Joins small requests that are waiting at the same moment into one kernel call, and splits the answer back.
///
/// Up to `maxConcurrentCalls` joined calls run at once. A request that finds a call free leads: after an optional
/// delay (default none) it predicts its own rows joined with whatever requests are queued, up to `maxRows` rows, on
/// its own task, hands each its rows, and — if more queued meanwhile — keeps its call for a drain task that repeats
/// that until the queue is empty. A request that finds every call taken queues. Enqueueing and a drain's "nothing
/// left, stop" happen under one lock, so no request is ever left behind. Requests of `maxRows` rows or more skip the
/// queue, so a small request waits at most for the calls in progress and its own.
///
/// Requests queue only while every call is taken, so more calls join less: one call at a time joins the most, but
/// every request then passes through it, one after another — on a machine with many cores that one call is the
/// ceiling (96,000 requests a second for a tree model on 16 cores, where the same requests unjoined reached
/// 139,000). The default (`BatchingSettings.defaultConcurrentCalls`) grows with the cores.
///
/// Each request's wait, from arriving here to the start of the kernel call that answers it, is the `queue` stage
/// of `RuntimeMetrics`; each kernel call records its rows and its `predict` time.
public final class PredictionBatcher: Sendable {
    let model: any CompiledModel
    public let maxRows: Int
    public let maxConcurrentCalls: Int
    public let delay: Duration
    let metrics: RuntimeMetrics
    /// The model's pace, which every kernel call here moves as `ServedModel.predictAlone`'s do.
    let pace: KernelPace?

    fileprivate struct Waiting {
        let batch: FeatureBatch
        let arrived: ContinuousClock.Instant
        let continuation: CheckedContinuation<Predictions, Never>
    }

    fileprivate struct State {
        var queue = [Waiting]()
        /// Kernel calls running or about to: leaders and drain tasks.
        var calls = 0
    }

    private let state = LockedState(State())

    public init(model: any CompiledModel, maxRows: Int, maxConcurrentCalls: Int = 1, delay: Duration = .zero,
                metrics: RuntimeMetrics = .disabled, pace: KernelPace? = nil) {
        self.model = model
        self.maxRows = max(1, maxRows)
        self.maxConcurrentCalls = max(1, maxConcurrentCalls)
        self.delay = delay
        self.metrics = metrics
        self.pace = pace
    }


    /// Requests waiting for a drain to answer them (tests watch it to know when requests have queued).
    var queuedRequestCount: Int { state.withLock { $0.queue.count } }
    /// Joined calls taken (tests check that every call is given back).
    var takenCallCount: Int { state.withLock { $0.calls } }

    public func predict(_ batch: FeatureBatch) async -> Predictions {
        let arrived = ContinuousClock.now
        guard batch.rowCount < maxRows else {
            metrics.record(.queue, .zero)
            return metrics.measureKernelCall(rows: batch.rowCount, pace: pace) { model.predict(batch) }
        }
        let leads = state.withLock { $0.takeCall(limit: maxConcurrentCalls) }
        guard leads else { return await enqueue(batch, arrived: arrived) }
        // A call is free: this request runs its own rows, joined with whatever is queued by then, on its own
        // task — no queue, no hand-off when it is alone. Anything still queued afterwards gets a drain task.
        if delay > .zero { try? await Task.sleep(for: delay) }
        let joined = state.withLock { state in state.take(upTo: maxRows - batch.rowCount) }
        let now = ContinuousClock.now
        metrics.record(.queue, now - arrived)
        for waiting in joined { metrics.record(.queue, now - waiting.arrived) }
        let answers = predictJoined([batch] + joined.map(\.batch))
        for (waiting, answer) in zip(joined, answers.dropFirst()) { waiting.continuation.resume(returning: answer) }
        let more = state.withLock { state -> Bool in
            guard state.queue.isEmpty else { return true }
            state.calls -= 1
            return false
        }
        if more { Task { await self.drain() } }
        return answers[0]
    }

    /// Waits in the queue for a drain (a leader's, or a drain task) to answer; starts a drain task if a call came
    /// free between the leader check and now.
    private func enqueue(_ batch: FeatureBatch, arrived: ContinuousClock.Instant) async -> Predictions {
        await withCheckedContinuation { continuation in
            let startDrain = state.withLock { state -> Bool in
                state.queue.append(Waiting(batch: batch, arrived: arrived, continuation: continuation))
                return state.takeCall(limit: maxConcurrentCalls)
            }
            if startDrain { Task { await self.drain() } }
        }
    }

    /// Answers queued requests, a joined call at a time, until the queue is empty; then gives its call back.
    private func drain() async {
        while true {
            if delay > .zero { try? await Task.sleep(for: delay) }
            let group = state.withLock { state -> [Waiting] in
                let group = state.take(upTo: maxRows)
                if group.isEmpty { state.calls -= 1 }
                return group
            }
            guard !group.isEmpty else { return }
            let now = ContinuousClock.now
            for waiting in group { metrics.record(.queue, now - waiting.arrived) }
            for (waiting, answer) in zip(group, predictJoined(group.map(\.batch))) {
                waiting.continuation.resume(returning: answer)
            }
        }
    }

    /// One kernel call for all the batches' rows, then each batch's share of the predictions.
    private func predictJoined(_ batches: [FeatureBatch]) -> [Predictions] {
        if batches.count == 1 { return [metrics.measureKernelCall(rows: batches[0].rowCount, pace: pace) { model.predict(batches[0]) }] }
        let columns = model.featureCount
        var values = [Float]()
        values.reserveCapacity(batches.reduce(0) { $0 + $1.values.count })
        for batch in batches { values.append(contentsOf: batch.values) }
        var doubles: [Double]?
        if batches.allSatisfy({ $0.doubles != nil }) {
            doubles = []
            doubles!.reserveCapacity(values.count)
            for batch in batches { doubles!.append(contentsOf: batch.doubles!) }
        }
        let rows = batches.reduce(0) { $0 + $1.rowCount }
        let joined = FeatureBatch(rowCount: rows, columnCount: columns, values: values, doubles: doubles)
        let predictions = metrics.measureKernelCall(rows: rows, pace: pace) { model.predict(joined) }
        var start = 0
        return batches.map { batch in
            let count = batch.rowCount
            defer { start += count }
            return predictions.rows(start ..< start + count)
        }
    }
}

extension PredictionBatcher.State {
    /// Takes one of `limit` calls, if one is free.
    mutating func takeCall(limit: Int) -> Bool {
        guard calls < limit else { return false }
        calls += 1
        return true
    }

    /// Removes and returns the queued requests from the front whose rows fit in `rows` together. A drain asks for
    /// `maxRows`, which the first always fits (only requests under `maxRows` rows queue).
    mutating func take(upTo rows: Int) -> [PredictionBatcher.Waiting] {
        var taken = 0
        var total = 0
        while taken < queue.count && total + queue[taken].batch.rowCount <= rows {
            total += queue[taken].batch.rowCount
            taken += 1
        }
        defer { queue.removeFirst(taken) }
        return Array(queue.prefix(taken))
    }
}
