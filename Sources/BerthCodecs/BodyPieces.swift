import BerthCore

/// A large body read on every idle core: cut into a piece a thread of the request's `RowParallelism` — at line
/// starts for the line-oriented formats (CSV, JSON Lines, libsvm), between rows for a JSON body of number rows, at
/// record headers for RecordIO —
/// each piece read by the decoder's one-thread reader, their rows joined in order.
///
/// Only a body every piece of which reads without complaint takes this route to the end. A piece that fails (any
/// 400), a piece ending in blank lines that a later piece's rows would make refused ones (where the format refuses
/// them), more values than a request may have, or a body the cores are too busy to split (other calls running on
/// them, as `RowParallelism` counts) goes back to the one-thread reader, which gives the same rows, or words the
/// error with its true line number, as before. A large body's answer beside another's is given no `parallelism`
/// at all (`InferencePipeline.answersRunning`).
struct BodyPieces {
    /// Bodies under this many bytes are read on one thread: about 1,300 CSV rows of 28 features, a quarter of a
    /// millisecond, where waking a thread and joining the pieces would take much of what a split saves.
    static let smallestBody = 1 << 18

    let bytes: UnsafeBufferPointer<UInt8>
    /// The pieces, in order: ranges of `bytes` (a piece a decoder cuts may be empty, which its reader refuses).
    let pieces: [Range<Int>]
    let parallelism: RowParallelism

    /// Pieces of `bytes` that the decoder cuts itself; nil when the body is small or there is one thread.
    init?(_ bytes: UnsafeBufferPointer<UInt8>, parallelism: RowParallelism?, cutBy cut: (_ pieceCount: Int) -> [Range<Int>]?) {
        guard let parallelism, parallelism.threadCount > 1, bytes.count >= Self.smallestBody,
              let pieces = cut(parallelism.threadCount) else { return nil }
        self.bytes = bytes
        self.pieces = pieces
        self.parallelism = parallelism
    }

    /// A line-oriented body cut at the line starts nearest its even shares; nil as above, or when a piece ends in
    /// a blank line before a piece with rows and the format refuses blank lines before rows (CSV).
    init?(linesOf bytes: UnsafeBufferPointer<UInt8>, parallelism: RowParallelism?, refusesBlankLinesBeforeRows: Bool) {
        self.init(bytes, parallelism: parallelism) { pieceCount in
            let cuts = (0...pieceCount).map { Self.lineStart(in: bytes, atOrAfter: bytes.count / pieceCount * $0, last: $0 == pieceCount) }
            let pieces = (0..<pieceCount).map { cuts[$0]..<cuts[$0 + 1] }.filter { !$0.isEmpty }
            // Blank lines at a piece's end, before a piece with rows, come before a row.
            if refusesBlankLinesBeforeRows, pieces.dropLast().contains(where: { Self.endsInBlankLine(bytes, before: $0.upperBound) }) { return nil }
            return pieces
        }
    }

    /// A line-oriented body's rows (JSON Lines, libsvm): read in pieces on idle cores where it can be, else whole;
    /// `read` reads a body or a piece, given the number of its first line. These formats fill every feature of a
    /// row however short its line (`0` alone, `{}`), and each piece checks only its own values against
    /// `RequestDecodingOptions.maxValues`: a body whose lines could fill more than that is read whole, so that the
    /// pieces together never hold more than one request may.
    static func rows(ofLines bytes: UnsafeBufferPointer<UInt8>, firstLineNumber: Int, parallelism: RowParallelism?, featureCount: Int,
                     _ read: @Sendable (_ bytes: UnsafeBufferPointer<UInt8>, _ firstLineNumber: Int) throws(CodecError) -> FeatureBatch)
        throws(CodecError) -> FeatureBatch {
        if let pieces = BodyPieces(linesOf: bytes, parallelism: parallelism, refusesBlankLinesBeforeRows: false),
           fitsARequest(lines: bytes, featureCount: featureCount),
           let batch = pieces.read(featureCount: featureCount, { piece, _ in try? read(piece, 1) }) {
            return batch
        }
        return try read(bytes, firstLineNumber)
    }

    /// Whether every line of `bytes` filling every feature stays within `RequestDecodingOptions.maxValues`. A row's
    /// line takes at least two bytes (a value and its line end, the last line's end aside), so a body of at most
    /// twice as many bytes as a request has rows is not counted: the count is a pass over the body on one thread,
    /// before the pieces start.
    private static func fitsARequest(lines bytes: UnsafeBufferPointer<UInt8>, featureCount: Int) -> Bool {
        func fits(_ rows: Int) -> Bool {
            let values = rows.multipliedReportingOverflow(by: featureCount)
            return !values.overflow && values.partialValue <= RequestDecodingOptions.maxValues
        }
        return fits((bytes.count + 1) / 2) || fits(BodyLines(bytes: bytes).lineCount)
    }

    /// The rows `read` gives for each piece (its bytes, and its index; nil for a piece it cannot read), joined;
    /// nil where the one-thread reader must read the body whole.
    func read(featureCount: Int, _ read: @Sendable (_ piece: UnsafeBufferPointer<UInt8>, _ index: Int) -> FeatureBatch?) -> FeatureBatch? {
        let pieceCount = pieces.count
        guard pieceCount > 1 else { return nil }
        let batches = PieceBatches(count: pieceCount)
        let body = SendablePointer(bytes.baseAddress)
        let (bodyCount, pieces) = (bytes.count, self.pieces)
        parallelism.forEachRange(rowCount: pieceCount, work: bytes.count, granularity: 1) { range in
            // Not split: the caller's thread alone, which reads the body whole instead.
            guard range.count < pieceCount else { return }
            let bytes = UnsafeBufferPointer(start: body.pointer, count: bodyCount)
            for piece in range {
                batches.set(piece, to: read(UnsafeBufferPointer(rebasing: bytes[pieces[piece]]), piece))
            }
        }
        return batches.joined(featureCount: featureCount)
    }

    /// The start of the first line that starts at or after `offset` (the body's end for `last`).
    private static func lineStart(in bytes: UnsafeBufferPointer<UInt8>, atOrAfter offset: Int, last: Bool) -> Int {
        guard !last else { return bytes.count }
        guard offset > 0 else { return 0 }
        guard let newline = bytes[(offset - 1)...].firstIndex(of: UInt8(ascii: "\n")) else { return bytes.count }
        return newline + 1
    }

    /// Whether the line ending just before `end` (a line start after a `\n`) holds only spaces, tabs and `\r`.
    private static func endsInBlankLine(_ bytes: UnsafeBufferPointer<UInt8>, before end: Int) -> Bool {
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
    /// hold more values than a request may. Each piece is let go once its rows are copied, so the rows are held
    /// twice over only one piece at a time.
    func joined(featureCount: Int) -> FeatureBatch? {
        var rowCount = 0, keepsDoubles = false
        for slot in slots {
            guard case .read(let batch) = slot else { return nil }
            rowCount += batch.rowCount
            keepsDoubles = batch.doubles != nil
        }
        guard !slots.isEmpty, rowCount * featureCount <= RequestDecodingOptions.maxValues else { return nil }
        var values = [Float]()
        values.reserveCapacity(rowCount * featureCount)
        var kept = [Double]()
        if keepsDoubles { kept.reserveCapacity(rowCount * featureCount) }
        for piece in slots.indices {
            guard case .read(let batch) = slots[piece] else { return nil }
            slots[piece] = .unread
            values.append(contentsOf: batch.values)
            if keepsDoubles { kept.append(contentsOf: batch.doubles ?? []) }
        }
        let doubles = keepsDoubles ? kept : nil
        return FeatureBatch(rowCount: rowCount, columnCount: featureCount, values: values, doubles: doubles)
    }
}
