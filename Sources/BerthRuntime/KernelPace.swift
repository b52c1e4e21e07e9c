import Synchronization

/// How long the model's kernel takes a row, as measured on its own calls: what decides whether a request whose body
/// is small is still long enough work to be moved off Swift's cooperative pool.
///
/// A body's size says little about its cost: 5,400 boolean rows fit in 64 KiB, and on a 36,000-tree forest they
/// held a pool thread — one of the two that answer `/ping` — for 2.5 s. So the server estimates a request's kernel
/// time as its rows times this pace, and predicts off the pool from `ServedModel.longestOnPool` on.
///
/// The first pace is a timed 1-row call at load (after the warm-up one), which includes a call's fixed cost and so
/// errs on the side of moving work off the pool; every kernel call a request makes then moves the pace a quarter of
/// the way to its own time a row, joined calls of dynamic batching included.
public final class KernelPace: Sendable {
    private let nanosecondsPerRow: Atomic<Int>

    /// A pace that starts at `duration` for `rows` rows.
    public init(_ duration: Duration, rows: Int) {
        nanosecondsPerRow = Atomic(Self.nanosecondsPerRow(duration, rows: rows))
    }

    /// The kernel time `rows` rows are expected to take.
    public func estimate(rows: Int) -> Duration {
        let perRow = nanosecondsPerRow.load(ordering: .relaxed)
        let (product, overflow) = perRow.multipliedReportingOverflow(by: max(0, rows))
        return .nanoseconds(overflow ? Int.max : product)
    }

    /// Moves the pace a quarter of the way towards a call of `rows` rows that took `duration`. Concurrent calls may
    /// each overwrite the other's step: the pace is an estimate, and either step is a fair one.
    public func record(_ duration: Duration, rows: Int) {
        guard rows > 0 else { return }
        let sample = Self.nanosecondsPerRow(duration, rows: rows)
        let current = nanosecondsPerRow.load(ordering: .relaxed)
        nanosecondsPerRow.store(current + (sample - current) / 4, ordering: .relaxed)
    }

    private static func nanosecondsPerRow(_ duration: Duration, rows: Int) -> Int {
        let (seconds, attoseconds) = duration.components
        let nanoseconds = Int(max(0, seconds)) * 1_000_000_000 + Int(max(0, attoseconds) / 1_000_000_000)
        return nanoseconds / max(1, rows)
    }
}
