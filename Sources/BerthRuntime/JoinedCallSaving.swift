import BerthCore

/// What joining small requests into one kernel call saves a model, measured once at load: one row's call alone
/// against a row's share of a joined call of `rows` rows, each the fastest of a few.
///
/// With `BERTH_BATCHING` unset, a model is batched only where it gains from joined calls in kind
/// (`CompiledModel.gainsFromJoinedCalls`: dense layers, every batch on a GPU) and saves at least `minimum` a request
/// by it. Joining costs each request its hand-off through the batcher's queue: measured on the 2-core Intel Xeon of
/// docs/performance.md, the MLP there answered 0.92 × the requests a second joined once its one-row call took about
/// 8 µs, its kernel saving 6 µs a request, which puts that hand-off at about 14 µs of CPU. A larger network's
/// one-row call (its weights streamed once for one row) saves far more.
struct JoinedCallSaving: Sendable, CustomStringConvertible {
    /// The joined call measured: as many rows as 1-row requests queue at a moment on a busy endpoint, or fewer where
    /// `BERTH_MAX_BATCH_ROWS` caps a joined call lower.
    static let rows = 32
    /// The least saving a request for which batching is on by default.
    static let minimum: Duration = .microseconds(15)

    /// Kernel time a request saves, joined.
    let perRequest: Duration

    /// Times `model` on one row and on a joined call of up to `maxRows` rows (`BatchingSettings.maxRows`, at least 2). The joined
    /// call is kept on one thread: on a busy endpoint, where joining matters, each core runs its own call, and a
    /// call split over idle cores would count their time as saved.
    init(measuring model: any CompiledModel, maxRows: Int) {
        let rows = min(Self.rows, maxRows)
        let alone = FeatureBatch(rowCount: 1, columnCount: model.featureCount,
                                 values: [Float](repeating: 0, count: model.featureCount))
        let joined = FeatureBatch(rowCount: rows, columnCount: model.featureCount,
                                  values: [Float](repeating: 0, count: rows * model.featureCount))
        let one = Self.fastest(of: 8) { _ = model.predict(alone) }
        let share = RowParallelism.withEveryCallOnItsOwnThread { Self.fastest(of: 4) { _ = model.predict(joined) } } / rows
        perRequest = one - share
    }

    init(perRequest: Duration) {
        self.perRequest = perRequest
    }

    var pays: Bool { perRequest >= Self.minimum }

    var description: String {
        let microseconds = perRequest.inSeconds * 1e6
        // Whole microseconds, rounded down: 14.7 µs reads 14, never the 15 it falls short of.
        return "a joined call saves \(max(0, Int(microseconds.rounded(.down)))) µs a request"
            + (pays ? "" : ", under the \(Self.minimum.components.attoseconds / 1_000_000_000_000) µs a hand-off costs")
    }

    private static func fastest(of times: Int, _ body: () -> Void) -> Duration {
        let clock = ContinuousClock()
        return (0..<times).map { _ in clock.measure(body) }.min()!
    }
}
