import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits a batch's rows across cores when the batch is big enough to pay for it.
///
/// Small requests (the real-time case) run on the caller's thread: waking other threads costs more than a few
/// rows of trees. Large ones (batch transform) are cut into one contiguous range per thread.
public struct RowParallelism: Sendable {
    public let threadCount: Int
    /// Below this many row × tree (or row × feature) steps, one thread does everything.
    public let minimumParallelWork: Int

    public init(threadCount: Int = RowParallelism.onlineProcessorCount, minimumParallelWork: Int = 1 << 16) {
        self.threadCount = max(1, threadCount)
        self.minimumParallelWork = minimumParallelWork
    }

    /// The number of processors currently online.
    public static var onlineProcessorCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    /// Calls `body` with disjoint ranges covering `0..<rowCount`, possibly concurrently; returns when all are done.
    func forEachRange(rowCount: Int, work: Int, granularity: Int, _ body: @Sendable (Range<Int>) -> Void) {
        guard rowCount > 0 else { return }
        let chunks = min(threadCount, (rowCount + granularity - 1) / granularity)
        guard chunks > 1, work >= minimumParallelWork else {
            body(0..<rowCount)
            return
        }
        let perChunk = (rowCount + chunks - 1) / chunks
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let start = chunk * perChunk
            let end = min(start + perChunk, rowCount)
            if start < end { body(start..<end) }
        }
    }
}

/// A pointer handed to the threads of `RowParallelism`, each of which touches only its own rows.
struct SendablePointer<Element>: @unchecked Sendable {
    let pointer: UnsafePointer<Element>?
    init(_ pointer: UnsafePointer<Element>?) { self.pointer = pointer }
}

/// The output side of `SendablePointer`: threads write disjoint rows.
struct SendableMutablePointer<Element>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<Element>?
    init(_ pointer: UnsafeMutablePointer<Element>?) { self.pointer = pointer }
}
