import Synchronization
import Testing
@testable import BerthCore

/// Large batches split across threads only while cores are free: a call made while as many calls as there are
/// threads are running stays on its own thread.
@Suite struct RowParallelismTests {
    /// The ranges one call hands to its body.
    static func ranges(_ parallelism: RowParallelism, rows: Int) -> [Range<Int>] {
        let seen = Mutex<[Range<Int>]>([])
        parallelism.forEachRange(rowCount: rows, work: rows, granularity: 1) { range in seen.withLock { $0.append(range) } }
        return seen.withLock { $0 }.sorted { $0.lowerBound < $1.lowerBound }
    }

    @Test func aCallMadeWhileTheCoresAreBusyStaysOnItsThread() {
        let outer = RowParallelism(threadCount: 2, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)
        let inner = RowParallelism(threadCount: 2, minimumParallelWork: 0)
        let innerRanges = Mutex<[[Range<Int>]]>([])
        let outerRanges = Mutex<[Range<Int>]>([])
        outer.forEachRange(rowCount: 2, work: 2, granularity: 1) { range in
            outerRanges.withLock { $0.append(range) }
            // Two calls run now (the outer one and this one), as many as the threads: no split.
            let ranges = Self.ranges(inner, rows: 100)
            innerRanges.withLock { $0.append(ranges) }
        }
        #expect(outerRanges.withLock { $0 }.count == 2)
        #expect(innerRanges.withLock { $0 } == [[0..<100], [0..<100]])
    }

    @Test func aCallThatMustSplitSplitsEvenWhenBusy() {
        let outer = RowParallelism(threadCount: 2, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)
        let inner = RowParallelism(threadCount: 2, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)
        let innerRanges = Mutex<[[Range<Int>]]>([])
        outer.forEachRange(rowCount: 2, work: 2, granularity: 1) { _ in
            let ranges = Self.ranges(inner, rows: 100)
            innerRanges.withLock { $0.append(ranges) }
        }
        #expect(innerRanges.withLock { $0 } == [[0..<50, 50..<100], [0..<50, 50..<100]])
    }

    @Test func aCallHoldingEveryCoreKeepsTheCallsInItsRangesWhole() {
        // Four threads: the outer call alone would leave three cores free for an inner call to split over; holding
        // them, it leaves none.
        let outer = RowParallelism(threadCount: 4, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)
        let inner = RowParallelism(threadCount: 4, minimumParallelWork: 0)
        let innerRanges = Mutex<[[Range<Int>]]>([])
        outer.forEachRangeHoldingEveryCore(rowCount: 4, work: 4, granularity: 1) { _ in
            let ranges = Self.ranges(inner, rows: 100)
            innerRanges.withLock { $0.append(ranges) }
        }
        #expect(innerRanges.withLock { $0 } == [[Range<Int>]](repeating: [0..<100], count: 4))
    }

    /// A measurement of one core's cost (`JoinedCallSaving`) keeps every call whole, even with cores to spare.
    @Test func callsStayWholeWhileEveryCallIsKeptOnItsOwnThread() {
        let spare = RowParallelism(threadCount: 64, minimumParallelWork: 0)
        #expect(RowParallelism.withEveryCallOnItsOwnThread { Self.ranges(spare, rows: 100) } == [0..<100])
        #expect(RowParallelism.heldCores.load(ordering: .relaxed) < 64, "the hold ends with the measurement")
    }

    @Test func smallWorkStaysOnTheCallersThread() {
        #expect(Self.ranges(RowParallelism(threadCount: 4, minimumParallelWork: 1000, splitsOnlyWhenCoresAreFree: false), rows: 999) == [0..<999])
    }
}
