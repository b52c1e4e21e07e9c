/// The non-blank lines of a request body, for the line-oriented codecs (CSV, JSON Lines).
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
}
