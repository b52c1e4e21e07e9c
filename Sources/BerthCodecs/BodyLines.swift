import BerthCore

/// The non-blank lines of a request body, for the line-oriented codecs (CSV, JSON Lines, libsvm).
///
/// Lines end at `\n`; a `\r` before it is dropped (CRLF bodies); lines of only spaces and tabs are skipped but
/// still counted, so error messages name the line a person sees in their file.
struct BodyLines {
    let bytes: UnsafeBufferPointer<UInt8>
    /// The number of the body's first line.
    var firstLineNumber = 1

    /// Calls `body` with each non-blank line's byte range and its line number (counted from `firstLineNumber`).
    func forEach(_ body: (_ line: Range<Int>, _ number: Int) throws(CodecError) -> Void) throws(CodecError) {
        var lineNumber = firstLineNumber - 1
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            let nextLine = lineEnd + 1
            lineNumber += 1
            if lineEnd > lineStart && bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
            if !(lineStart..<lineEnd).allSatisfy({ bytes[$0] == UInt8(ascii: " ") || bytes[$0] == UInt8(ascii: "\t") }) {
                try body(lineStart..<lineEnd, lineNumber)
            }
            lineStart = nextLine
        }
    }

    /// One row per non-blank line: `appendRow` appends the line's `featureCount` values (refusing a line that has
    /// another count) and is told whether the line is the body's first row; a body without rows is refused with
    /// `emptyMessage`.
    func rows(featureCount: Int, reservingCapacity capacity: Int = 0, emptyMessage: String,
              _ appendRow: (_ line: Range<Int>, _ number: Int, _ isFirstRow: Bool, _ values: inout [Float]) throws(CodecError) -> Void)
        throws(CodecError) -> FeatureBatch {
        var values = [Float]()
        values.reserveCapacity(capacity)
        var rowCount = 0
        try forEach { line, number throws(CodecError) in
            try appendRow(line, number, rowCount == 0, &values)
            rowCount += 1
        }
        guard rowCount > 0 else { throw .bad(emptyMessage) }
        return FeatureBatch(rowCount: rowCount, columnCount: featureCount, values: values)
    }
}
