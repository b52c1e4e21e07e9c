import Dispatch
#if canImport(Glibc)
import Glibc
#endif
import Synchronization
import Testing
@testable import BerthCore

/// The threads split calls run on: every row once, ranges really at once, one call at a time, and the workers found
/// again whether they are still spinning or asleep.
@Suite struct RowWorkersTests {
    /// How many times each row was handed to `body` by one call.
    /// Written without a lock, as the kernels write their rows: what a range wrote is the caller's once `run` returns.
    /// `helpers` workers at most (one a range but the caller's, unless given).
    static func visits(_ workers: RowWorkers, rows: Int, chunks: Int, helpers: Int? = nil) -> (ran: Bool, visits: [Int]) {
        var counts = [Int](repeating: 0, count: rows)
        let ran = counts.withUnsafeMutableBufferPointer { counts in
            let pointer = SendableMutablePointer(counts.baseAddress)
            return workers.run(rowCount: rows, chunkCount: chunks, perChunk: (rows + chunks - 1) / chunks,
                               workerCount: helpers ?? chunks - 1) { range in
                for row in range { pointer.pointer![row] += 1 }
            }
        }
        return (ran, counts)
    }

    @Test func everyRowRunsOnceWhetherTheWorkersSpinOrSleep() {
        let workers = RowWorkers()
        // The last three: more ranges than threads, as `RowParallelism` cuts a split (`rangesPerThread`).
        for (rows, chunks, helpers) in [(1, 1, 0), (2, 2, 1), (7, 3, 2), (100, 4, 3), (1000, 16, 15), (5, 8, 7), (1000, 16, 1),
                                        (100, 8, 3), (9, 4, 1)] {
            // Back to back (the workers still spinning), then after they have gone to sleep.
            for pause in [0, 2 * Int(RowWorkers.spinNanoseconds)] {
                if pause > 0 { usleep(UInt32(pause / 1000)) }
                let (ran, visits) = Self.visits(workers, rows: rows, chunks: chunks, helpers: helpers)
                #expect(ran)
                #expect(visits == [Int](repeating: 1, count: rows), "\(rows) rows in \(chunks) ranges, \(pause) ns after the last call")
            }
        }
    }

    @Test func theRangesRunAtOnce() {
        // As many ranges as there are workers and the caller: one fewer workers than cores.
        let ranges = min(4, RowParallelism.onlineProcessorCount)
        guard ranges >= 2 else { return }
        let workers = RowWorkers()
        // Twice back to back (the workers spinning), then after they have gone to sleep.
        for pause in [0, 0, 2 * Int(RowWorkers.spinNanoseconds), 0, 2 * Int(RowWorkers.spinNanoseconds)] {
            if pause > 0 { usleep(UInt32(pause / 1000)) }
            // Each range waits for all to have started: on one thread the first would wait alone until the deadline.
            let started = Atomic<Int>(0)
            let sawAllStart = Atomic<Int>(0)
            let ran = workers.run(rowCount: ranges, chunkCount: ranges, perChunk: 1, workerCount: ranges - 1) { _ in
                started.add(1, ordering: .sequentiallyConsistent)
                let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
                while started.load(ordering: .sequentiallyConsistent) < ranges, DispatchTime.now().uptimeNanoseconds < deadline {}
                if started.load(ordering: .sequentiallyConsistent) == ranges { sawAllStart.add(1, ordering: .relaxed) }
            }
            #expect(ran)
            guard sawAllStart.load(ordering: .relaxed) == ranges else {
                Issue.record("the \(ranges) ranges did not run at once, \(pause) ns after the last call")
                return
            }
        }
    }

    @Test func aCallMadeWhileTheWorkersAreTakenIsTurnedAway() {
        let workers = RowWorkers()
        let inner = Mutex<(ran: Bool, visits: [Int])?>(nil)
        let ran = workers.run(rowCount: 1, chunkCount: 1, perChunk: 1, workerCount: 0) { _ in
            let result = Self.visits(workers, rows: 10, chunks: 2)
            inner.withLock { $0 = result }
        }
        #expect(ran)
        #expect(inner.withLock { $0?.ran } == false)
        #expect(inner.withLock { $0?.visits } == [Int](repeating: 0, count: 10))
        #expect(Self.visits(workers, rows: 10, chunks: 2).ran, "given back once the call is done")
    }

    /// Many callers at once through `RowParallelism`: one holds the workers, the others split on Dispatch's threads,
    /// and every call still sees each of its rows once.
    @Test func callsFromManyThreadsEachSeeEveryRowOnce() {
        let parallelism = RowParallelism(threadCount: 3, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false)
        let failures = Atomic<Int>(0)
        DispatchQueue.concurrentPerform(iterations: 6) { caller in
            for call in 0..<200 {
                let rows = 1 + (caller * 37 + call * 11) % 300
                let counts = Mutex([Int](repeating: 0, count: rows))
                parallelism.forEachRange(rowCount: rows, work: rows, granularity: 4) { range in
                    counts.withLock { for row in range { $0[row] += 1 } }
                }
                if counts.withLock({ $0 }) != [Int](repeating: 1, count: rows) { failures.add(1, ordering: .relaxed) }
            }
        }
        #expect(failures.load(ordering: .relaxed) == 0)
    }
}
