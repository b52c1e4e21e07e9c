import BerthCodecs

/// Cuts one input file into the requests a batch transform job would send, one at a time, so a file of any size
/// is never listed in memory: whole lines for line-oriented formats (`SplitType=Line`), whole records for framed
/// RecordIO (`SplitType=RecordIO`), the whole file otherwise (`SplitType=None`). MULTI_RECORD packs consecutive
/// units while they fit in the payload limit; SINGLE_RECORD sends one unit per request.
struct BatchRequestSplitter {
    /// One request's slice of the file and the line number it starts on.
    struct Request: Equatable {
        let range: Range<Int>
        let firstLine: Int
    }

    private enum Unit { case line, record, wholeFile }

    let bytes: UnsafeBufferPointer<UInt8>
    let strategy: BatchStrategy
    let payloadLimit: PayloadLimit
    private let limit: Int
    private let unit: Unit
    private var position = 0
    private var lineNumber = 1
    private var recordNumber = 1

    init(bytes: UnsafeBufferPointer<UInt8>, format: RequestFormat, strategy: BatchStrategy, payloadLimit: PayloadLimit) {
        self.bytes = bytes
        self.strategy = strategy
        self.payloadLimit = payloadLimit
        limit = payloadLimit.bytes ?? Int.max
        unit = format.isLineOriented ? .line : format == .recordIO && RecordIOFraming.startsWithMagic(bytes) ? .record : .wholeFile
    }

    /// The next request, or nil at the end of the file.
    mutating func next() throws(CodecError) -> Request? {
        guard let first = try nextUnit() else { return nil }
        var request = first
        while strategy == .multiRecord {
            let saved = self
            guard let following = try nextUnit(), following.range.upperBound - request.range.lowerBound <= limit else {
                self = saved
                break
            }
            request = Request(range: request.range.lowerBound..<following.range.upperBound, firstLine: request.firstLine)
        }
        return request
    }

    /// The next line (with its newline, blank lines skipped), record (with its framing) or the whole file.
    private mutating func nextUnit() throws(CodecError) -> Request? {
        guard position < bytes.count else { return nil }
        let found: Request
        switch unit {
        case .line:
            guard let line = nextLine() else { return nil }
            found = line
        case .record:
            let record = try RecordIOFraming.record(in: bytes, at: position, number: recordNumber)
            found = Request(range: position..<record.end, firstLine: 1)
            position = record.end
            recordNumber += 1
        case .wholeFile:
            found = Request(range: 0..<bytes.count, firstLine: 1)
            position = bytes.count
        }
        guard found.range.count <= limit else {
            let what = unit == .line ? "line \(found.firstLine) is" : "a \(unit == .record ? "record" : "file") of \(found.range.count) bytes is"
            throw CodecError(.badRequest, "\(what) larger than the \(payloadLimit) payload limit: raise --max-payload-mb (0 = unlimited)")
        }
        return found
    }

    private mutating func nextLine() -> Request? {
        while position < bytes.count {
            let start = position
            var end = start
            while end < bytes.count && bytes[end] != UInt8(ascii: "\n") { end += 1 }
            let number = lineNumber
            position = min(end + 1, bytes.count)
            lineNumber += 1
            let isBlank = bytes[start..<end].allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\r") || $0 == UInt8(ascii: "\t") }
            if !isBlank { return Request(range: start..<position, firstLine: number) }
        }
        return nil
    }
}
