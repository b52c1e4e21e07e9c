import BerthCore

/// A large line-oriented body (CSV, JSON Lines, libsvm) read on every idle core: cut at line starts into a piece a
/// thread of the request's `RowParallelism`, each piece read by the decoder's one-thread reader, their rows joined
/// in order.
///
/// Only a body every piece of which reads without complaint takes this route to the end. A piece that fails (any
/// 400), a piece ending in blank lines that a later piece's rows would make refused ones (where the format refuses
/// them), more values than a request may have, or a body the cores are too busy to split (other calls running on
/// them, as `RowParallelism` counts) goes back to the one-thread reader, which gives the same rows, or words the
/// error with its true line number, as before.
struct BodyPieces {
    /// Bodies under this many bytes are read on one thread: about 1,300 CSV rows of 28 features, a quarter of a
    /// millisecond, where waking a thread and joining the pieces would take much of what a split saves.
    static let smallestBody = 1 << 18

    let bytes: UnsafeBufferPointer<UInt8>
    let parallelism: RowParallelism?
    /// Whether the format refuses a blank line before a row (CSV).
    let refusesBlankLinesBeforeRows: Bool

    /// The rows `read` gives for each piece (its bytes, and whether it starts the body), joined; nil where the
    /// one-thread reader must read the body whole.
    func read(featureCount: Int,
              _ read: @Sendable (_ piece: UnsafeBufferPointer<UInt8>, _ isBodyStart: Bool) throws(CodecError) -> FeatureBatch) -> FeatureBatch? {
        guard let parallelism, parallelism.threadCount > 1, bytes.count >= Self.smallestBody else { return nil }
        let pieceCount = parallelism.threadCount
        let cuts = (0...pieceCount).map { lineStart(atOrAfter: bytes.count / pieceCount * $0, last: $0 == pieceCount) }
        // A piece that ends in a blank line, before a piece with rows: those blank lines come before a row.
        let piecesWithLines = (0..<pieceCount).filter { cuts[$0] < cuts[$0 + 1] }
        if refusesBlankLinesBeforeRows, piecesWithLines.dropLast().contains(where: { endsInBlankLine(before: cuts[$0 + 1]) }) { return nil }
        let batches = PieceBatches(count: pieceCount)
        let body = SendablePointer(bytes.baseAddress)
        let bodyCount = bytes.count
        parallelism.forEachRange(rowCount: pieceCount, work: bytes.count, granularity: 1) { range in
            // Not split: the caller's thread alone, which reads the body whole instead.
            guard range.count < pieceCount else { return }
            let bytes = UnsafeBufferPointer(start: body.pointer, count: bodyCount)
            for piece in range where cuts[piece] < cuts[piece + 1] {
                batches.set(piece, to: try? read(UnsafeBufferPointer(rebasing: bytes[cuts[piece]..<cuts[piece + 1]]), piece == 0))
            }
        }
        return batches.joined(pieces: piecesWithLines, featureCount: featureCount)
    }

    /// The start of the first line that starts at or after `offset` (the body's end for `last`).
    private func lineStart(atOrAfter offset: Int, last: Bool) -> Int {
        guard !last else { return bytes.count }
        guard offset > 0 else { return 0 }
        guard let newline = bytes[(offset - 1)...].firstIndex(of: UInt8(ascii: "\n")) else { return bytes.count }
        return newline + 1
    }

    /// Whether the line ending just before `end` (a line start after a `\n`) holds only spaces, tabs and `\r`.
    private func endsInBlankLine(before end: Int) -> Bool {
        var index = end - 2
        while index >= 0 && bytes[index] != UInt8(ascii: "\n") {
            guard bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") || bytes[index] == UInt8(ascii: "\r") else { return false }
            index -= 1
        }
        return true
    }
}

/// The pieces' batches, each written by the one thread that read its piece.
private final class PieceBatches: @unchecked Sendable {
    // @unchecked: each slot is written by one thread, and read after `forEachRange` has returned.
    private enum Slot {
        case unread
        case failed
        case read(FeatureBatch)
    }

    private let slots: UnsafeMutableBufferPointer<Slot>

    init(count: Int) {
        slots = .allocate(capacity: count)
        slots.initialize(repeating: .unread)
    }

    deinit {
        slots.deinitialize()
        slots.deallocate()
    }

    func set(_ piece: Int, to batch: FeatureBatch?) {
        slots[piece] = batch.map(Slot.read) ?? .failed
    }

    /// The pieces' rows in order, or nil when one was not read (the body was not split) or failed, or when they
    /// hold more values than a request may.
    func joined(pieces: [Int], featureCount: Int) -> FeatureBatch? {
        var parts = [FeatureBatch]()
        for piece in pieces {
            guard case .read(let batch) = slots[piece] else { return nil }
            parts.append(batch)
        }
        let rowCount = parts.reduce(0) { $0 + $1.rowCount }
        guard !parts.isEmpty, rowCount * featureCount <= RequestDecodingOptions.maxValues else { return nil }
        var values = [Float]()
        values.reserveCapacity(rowCount * featureCount)
        for part in parts { values.append(contentsOf: part.values) }
        var doubles: [Double]?
        if parts[0].doubles != nil {
            var kept = [Double]()
            kept.reserveCapacity(rowCount * featureCount)
            for part in parts { kept.append(contentsOf: part.doubles ?? []) }
            doubles = kept
        }
        return FeatureBatch(rowCount: rowCount, columnCount: featureCount, values: values, doubles: doubles)
    }
}
