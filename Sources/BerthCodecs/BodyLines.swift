import BerthCore

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The non-blank lines of a request body, for the line-oriented codecs (CSV, JSON Lines, libsvm).
///
/// Lines end at `\n`; a `\r` before it is dropped (CRLF bodies); lines of only spaces and tabs are blank: counted,
/// so error messages name the line a person sees in their file, and skipped — or, where a format refuses them, a
/// blank line followed by a row is a 400 naming it (blank lines at the end are always accepted).
struct BodyLines {
    /// What a blank line before a row means.
    enum BlankLinesBeforeRows {
        /// Skipped.
        case skipped
        /// Refused: each line of a body in this format is a row.
        case refused(format: String)
    }

    let bytes: UnsafeBufferPointer<UInt8>
    /// The number of the body's first line.
    var firstLineNumber = 1
    var blankLinesBeforeRows = BlankLinesBeforeRows.skipped

    /// Calls `body` with each non-blank line's byte range and its line number (counted from `firstLineNumber`).
    func forEach(_ body: (_ line: Range<Int>, _ number: Int) throws(CodecError) -> Void) throws(CodecError) {
        var lineNumber = firstLineNumber - 1
        var lineStart = 0
        var firstBlankLine: Int?
        while lineStart < bytes.count {
            let (line, nextLine) = self.line(from: lineStart)
            lineNumber += 1
            if isBlank(line) {
                firstBlankLine = firstBlankLine ?? lineNumber
            } else {
                if let blank = firstBlankLine, case .refused(let format) = blankLinesBeforeRows {
                    throw .bad("""
                        line \(blank) is blank: each line of a \(format) body is a row, and the answer must have as many rows \
                        as the body has lines: remove the line, or send its row (fields may be empty for missing values)
                        """)
                }
                firstBlankLine = nil
                try body(line, lineNumber)
            }
            lineStart = nextLine
        }
    }

    /// The first non-blank line (a CSV header): its range without the line end, its number, and where the next
    /// line starts; nil for a body of blank lines.
    func firstLine() -> (range: Range<Int>, number: Int, next: Int)? {
        var lineNumber = firstLineNumber - 1
        var lineStart = 0
        while lineStart < bytes.count {
            let (line, nextLine) = self.line(from: lineStart)
            lineNumber += 1
            if !isBlank(line) { return (line, lineNumber, nextLine) }
            lineStart = nextLine
        }
        return nil
    }

    /// The line starting at `start`, without its `\n` (and a `\r` before it), and where the next one starts.
    private func line(from start: Int) -> (range: Range<Int>, next: Int) {
        var end = endOfLine(from: start)
        let next = end + 1
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return (start..<end, next)
    }

    /// Whether a line holds only spaces and tabs.
    private func isBlank(_ line: Range<Int>) -> Bool {
        line.allSatisfy { bytes[$0] == UInt8(ascii: " ") || bytes[$0] == UInt8(ascii: "\t") }
    }

    /// The index of the first `\n` at or after `start`, or the body's end.
    private func endOfLine(from start: Int) -> Int {
        guard start < bytes.count, let base = bytes.baseAddress,
              let newline = memchr(base + start, Int32(UInt8(ascii: "\n")), bytes.count - start) else { return bytes.count }
        return base.distance(to: newline.assumingMemoryBound(to: UInt8.self))
    }

    /// How many lines the body has, blank ones included: the most rows it can hold.
    var lineCount: Int {
        var count = 0
        var lineStart = 0
        while lineStart < bytes.count {
            count += 1
            lineStart = endOfLine(from: lineStart) + 1
        }
        return count
    }

    /// One row per non-blank line: `appendRow` appends the line's `featureCount` values (refusing a line that has
    /// another count) and is told whether the line is the body's first row; a body without rows is refused with
    /// `emptyMessage`. Room for a row on every line is reserved once — capped at one value per byte and per line
    /// and at 64 MiB, whatever the body — so a well-formed CSV body is read without regrowing or over-reserving.
    /// An infinite value is refused naming its line, and its column as `column` names it (the written libsvm index,
    /// say); nil where the decoder refuses one itself as it reads it (CSV, which quotes the field).
    func rows<Values: FeatureValues>(featureCount: Int, into _: Values.Type, emptyMessage: String,
              column: ((Int) -> String)? = { "column \($0 + 1)" },
              _ appendRow: (_ line: Range<Int>, _ number: Int, _ isFirstRow: Bool, _ values: inout Values) throws(CodecError) -> Void)
        throws(CodecError) -> FeatureBatch {
        let lines = lineCount
        let rowsOnEveryLine = lines.multipliedReportingOverflow(by: featureCount)
        var values = Values(
            reservingCapacity: min(rowsOnEveryLine.overflow ? .max : rowsOnEveryLine.partialValue, bytes.count + lines, 1 << 24))
        var rowCount = 0
        try forEach { line, number throws(CodecError) in
            try appendRow(line, number, rowCount == 0, &values)
            rowCount += 1
        }
        guard rowCount > 0 else { throw .bad(emptyMessage) }
        let batch = values.batch(rowCount: rowCount, columnCount: featureCount)
        if let column, let index = batch.firstInfiniteIndex {
            var row = 0, place = ""
            try forEach { _, number throws(CodecError) in
                if row == index / featureCount { place = "line \(number), \(column(index % featureCount))" }
                row += 1
            }
            throw .infiniteValue(at: place, keptDoubles: batch.doubles != nil)
        }
        return batch
    }
}
