import Dispatch
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a batch's rows across cores when the batch is big enough to pay for it.
///
/// Small requests (the real-time case) run on the caller's thread: waking other threads costs more than a few
/// rows of trees. Large ones (batch transform) are cut into one contiguous range per thread — unless as many calls
/// as there are threads are already running, when the cores are busy anyway and splitting would only add the
/// hand-offs (a server under load keeps each request on its own thread; one request alone gets every core). The
/// ranges run on `RowWorkers`, threads that stay awake a moment between calls, or on Dispatch's threads when
/// another call holds those.
public struct RowParallelism: Sendable, Equatable {
    public let threadCount: Int
    /// Below this much work, one thread does everything: row × level steps for tree kernels (a row's walks through
    /// every tree), row × feature for linear models, multiply-adds / 64 for dense layers.
    public let minimumParallelWork: Int

    /// Whether a call stays on its own thread while as many calls as there are threads are running (true but in
    /// tests that must see every large batch split).
    public let splitsOnlyWhenCoresAreFree: Bool

    public init(threadCount: Int = RowParallelism.onlineProcessorCount, minimumParallelWork: Int = 1 << 16,
                splitsOnlyWhenCoresAreFree: Bool = true) {
        self.threadCount = max(1, threadCount)
        self.minimumParallelWork = minimumParallelWork
        self.splitsOnlyWhenCoresAreFree = splitsOnlyWhenCoresAreFree
    }

    /// Calls running in `forEachRange` at this moment, across every model of the process.
    static let callsRunning = Atomic<Int>(0)
    /// Cores a split call holds beyond its own count (`forEachRangeHoldingEveryCore`): counted with `callsRunning`
    /// when a call decides whether to split, apart from it when a worker decides whether to keep spinning.
    static let heldCores = Atomic<Int>(0)

    /// The number of processors currently online.
    public static var onlineProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Calls `body` with disjoint ranges covering `0..<rowCount`, possibly concurrently; returns when all are done.
    /// `work` is weighed against `minimumParallelWork`, and `granularity` is about the fewest rows a thread gets.
    public func forEachRange(rowCount: Int, work: Int, granularity: Int, _ body: @Sendable (Range<Int>) -> Void) {
        forEachRange(rowCount: rowCount, work: work, granularity: granularity, holdingEveryCore: false, body)
    }

    /// `forEachRange` for a body that makes split calls of its own on its range (a graph's layers on a block of
    /// rows): once it splits, it counts as a call on every thread until its ranges are done, so neither the calls
    /// inside them nor another request's meanwhile split again, on cores it already keeps busy.
    func forEachRangeHoldingEveryCore(rowCount: Int, work: Int, granularity: Int, _ body: @Sendable (Range<Int>) -> Void) {
        forEachRange(rowCount: rowCount, work: work, granularity: granularity, holdingEveryCore: true, body)
    }

    /// Runs `body` with every call in the process kept whole on its caller's thread, as if each core had a call of
    /// its own: what a call costs one core, for a measurement (`JoinedCallSaving`) that must not count the other
    /// cores' share as time saved. Calls of other requests meanwhile do not split either, for the moment it lasts.
    public static func withEveryCallOnItsOwnThread<Result>(_ body: () -> Result) -> Result {
        heldCores.add(everyCore, ordering: .relaxed)
        defer { heldCores.subtract(everyCore, ordering: .relaxed) }
        return body()
    }

    /// More cores than any machine has: held, no call splits.
    private static let everyCore = 1 << 30

    private func forEachRange(rowCount: Int, work: Int, granularity: Int, holdingEveryCore: Bool,
                              _ body: @Sendable (Range<Int>) -> Void) {
        guard rowCount > 0 else { return }
        let chunks = min(threadCount, (rowCount + granularity - 1) / granularity)
        let running = Self.callsRunning.add(1, ordering: .relaxed).newValue + Self.heldCores.load(ordering: .relaxed)
        defer { Self.callsRunning.subtract(1, ordering: .relaxed) }
        guard chunks > 1, work >= minimumParallelWork, running < threadCount || !splitsOnlyWhenCoresAreFree else {
            body(0..<rowCount)
            return
        }
        let held = holdingEveryCore ? threadCount - 1 : 0
        Self.heldCores.add(held, ordering: .relaxed)
        defer { Self.heldCores.subtract(held, ordering: .relaxed) }
        // More ranges than threads, claimed one after another: a core slowed by another process (a shared machine's
        // neighbour, the server's own network threads) takes fewer of them, instead of the call waiting on its half.
        let pieces = min(chunks * Self.rangesPerThread, (rowCount + granularity - 1) / granularity)
        let perChunk = (rowCount + pieces - 1) / pieces
        if RowWorkers.shared.run(rowCount: rowCount, chunkCount: pieces, perChunk: perChunk, workerCount: chunks - 1, body) { return }
        // Dispatch runs its iterations on as many threads as it likes: as many as the split's threads.
        Self.onDispatch(count: rowCount, chunks: chunks, perChunk: (rowCount + chunks - 1) / chunks, body)
    }

    /// The ranges a split call is cut into for each thread that takes part.
    static let rangesPerThread = 4

    /// `0..<count` cut into `chunks` ranges of `perChunk` (the last may be shorter or empty), run at once on
    /// Dispatch's threads, the caller's taking part; returns when all are done.
    static func onDispatch(count: Int, chunks: Int, perChunk: Int, _ body: @Sendable (Range<Int>) -> Void) {
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * perChunk
            let end = min(start + perChunk, count)
            if start < end { body(start..<end) }
        }
    }
}

/// A pointer handed to the threads of `RowParallelism`, each of which touches only its own rows.
public struct SendablePointer<Element>: @unchecked Sendable {
    public let pointer: UnsafePointer<Element>?
    public init(_ pointer: UnsafePointer<Element>?) { self.pointer = pointer }
}

/// The output side of `SendablePointer`: threads write disjoint rows.
public struct SendableMutablePointer<Element>: @unchecked Sendable {
    public let pointer: UnsafeMutablePointer<Element>?
    public init(_ pointer: UnsafeMutablePointer<Element>?) { self.pointer = pointer }
}
