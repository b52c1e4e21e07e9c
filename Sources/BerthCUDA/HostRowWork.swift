import BerthCore
#if canImport(Glibc)
import Glibc
#endif

/// The host's share of a GPU batch — copying its rows into pinned memory before the transfer, transforming the
/// margins that come back — spread over the cores when it is large, as the CPU kernels spread their rows
/// (`RowParallelism`: only while cores are free, so a server under load keeps each batch on its own thread).
///
/// On one core that share grows with the rows as fast as the GPU's: 100,000 rows of 28 floats are 11 MB to copy
/// (about 1 ms at 10 GB/s) and 100,000 sigmoids, while an H200 walks the reference model's 100,000 rows in a few
/// milliseconds.
struct HostRowWork: Sendable {
    let parallelism: RowParallelism

    /// One unit of `RowParallelism`'s work is about a tree kernel's step, 1.5 ns: a batch splits from about 100 µs of
    /// host work (its 65,536 units), and each thread gets about `minimumNanosecondsPerThread` of it or more.
    static let nanosecondsPerUnit = 1.5
    static let minimumNanosecondsPerThread = 50_000.0
    /// The bytes a core copies a nanosecond, roughly.
    static let copyBytesPerNanosecond = 10.0
    /// A transformed output value's cost (a sigmoid or a softmax term), roughly.
    static let nanosecondsPerTransformedValue = 5.0

    /// Calls `body` with disjoint ranges covering `0..<rows`, on several threads when `rows` rows at
    /// `nanosecondsPerRow` each are worth it; returns when all are done.
    func forEachRange(rows: Int, nanosecondsPerRow: Double, _ body: @Sendable (Range<Int>) -> Void) {
        let perRow = max(nanosecondsPerRow, 0.001)
        parallelism.forEachRange(rowCount: rows, work: Int(Double(rows) * perRow / Self.nanosecondsPerUnit),
                                 granularity: max(1, Int(Self.minimumNanosecondsPerThread / perRow)), body)
    }

    /// Copies `rows` rows of `rowBytes` bytes from `source` to `target`.
    func copy(rows: Int, rowBytes: Int, from source: UnsafeRawPointer, to target: UnsafeMutableRawPointer) {
        let ends = RawEnds(source: source, target: target)
        forEachRange(rows: rows, nanosecondsPerRow: Double(rowBytes) / Self.copyBytesPerNanosecond) { range in
            _ = memcpy(ends.target + range.lowerBound * rowBytes, ends.source + range.lowerBound * rowBytes, range.count * rowBytes)
        }
    }

    /// A copy's two ends, handed to the threads that each copy rows of their own.
    private struct RawEnds: @unchecked Sendable {
        let source: UnsafeRawPointer
        let target: UnsafeMutableRawPointer
    }

    /// Calls `body` with each of `rows` rows' margins (`marginsPerRow` of them, from `margins`) and the place for
    /// its outputs (`outputsPerRow`, in `outputs`), which it fills from them.
    func transformRows<Margin, Output>(_ rows: Int, margins: UnsafeBufferPointer<Margin>, marginsPerRow: Int,
                                       into outputs: UnsafeMutableBufferPointer<Output>, outputsPerRow: Int,
                                       _ body: @Sendable (UnsafeBufferPointer<Margin>, UnsafeMutableBufferPointer<Output>) -> Void) {
        let from = SendablePointer(margins.baseAddress), to = SendableMutablePointer(outputs.baseAddress)
        let valuesPerRow = max(marginsPerRow, outputsPerRow)
        forEachRange(rows: rows, nanosecondsPerRow: Double(valuesPerRow) * Self.nanosecondsPerTransformedValue) { range in
            for row in range {
                body(UnsafeBufferPointer(start: from.pointer! + row * marginsPerRow, count: marginsPerRow),
                     UnsafeMutableBufferPointer(start: to.pointer! + row * outputsPerRow, count: outputsPerRow))
            }
        }
    }
}
