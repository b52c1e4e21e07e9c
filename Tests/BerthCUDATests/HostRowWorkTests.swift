import BerthCore
import Synchronization
import Testing
@testable import BerthCUDA

/// The host's share of a GPU batch, split across threads, must copy every byte and visit every row exactly once.
@Suite struct HostRowWorkTests {
    /// Four threads that split any batch, whatever else is running.
    let split = HostRowWork(parallelism: RowParallelism(threadCount: 4, minimumParallelWork: 1, splitsOnlyWhenCoresAreFree: false))

    /// Rows of 700 bytes: from 715 rows a thread (50 µs at 10 bytes a ns), so 4,999 rows split unevenly in four.
    @Test(arguments: [1, 3, 4_999, 100_000])
    func copiesEveryRow(_ rows: Int) {
        let rowBytes = 700
        let source = (0..<rows * rowBytes).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 5) }
        var target = [UInt8](repeating: 0, count: rows * rowBytes)
        source.withUnsafeBytes { from in
            target.withUnsafeMutableBytes { to in split.copy(rows: rows, rowBytes: rowBytes, from: from.baseAddress!, to: to.baseAddress!) }
        }
        #expect(target == source)
    }

    /// Every row once, with its own margins (two a row here) and its own place for outputs (three a row).
    @Test func transformsEveryRowOnce() {
        let rows = 100_000
        let margins = Array(0..<rows * 2)
        var outputs = [Int](repeating: 0, count: rows * 3)
        margins.withUnsafeBufferPointer { margins in
            outputs.withUnsafeMutableBufferPointer { outputs in
                split.transformRows(rows, margins: margins, marginsPerRow: 2, into: outputs, outputsPerRow: 3) { rowMargins, rowOutputs in
                    rowOutputs[0] += rowMargins[0]
                    rowOutputs[1] += rowMargins[1]
                    rowOutputs[2] += 1
                }
            }
        }
        #expect(outputs == (0..<rows).flatMap { [2 * $0, 2 * $0 + 1, 1] })
        let ranges = Mutex([Range<Int>]())
        split.forEachRange(rows: rows, nanosecondsPerRow: 5) { range in ranges.withLock { $0.append(range) } }
        // Cut for the four threads, more ranges than threads (`RowParallelism.rangesPerThread`), end to end.
        let sorted = ranges.withLock { $0.sorted { $0.lowerBound < $1.lowerBound } }
        #expect(sorted.count >= 4)
        #expect(sorted.first?.lowerBound == 0 && sorted.last?.upperBound == rows)
        #expect(zip(sorted, sorted.dropFirst()).allSatisfy { $0.upperBound == $1.lowerBound })
    }

    /// Small batches stay on the caller's thread, in one range: a 1-row request pays nothing for the split.
    @Test func smallBatchesAreOneRange() {
        let ranges = Mutex([Range<Int>]())
        HostRowWork(parallelism: RowParallelism(threadCount: 4)).forEachRange(rows: 100, nanosecondsPerRow: 5) { range in
            ranges.withLock { $0.append(range) }
        }
        #expect(ranges.withLock { $0 } == [0..<100])
    }
}
