import BerthCore
import BerthJSON

/// `text/libsvm` request bodies (FMT-SVM-1): one row per line, `[label] index:value index:value …`.
///
/// Indices count from `RequestDecodingOptions.libsvmIndexBase` (0 by default, as SageMaker's built-in XGBoost
/// documents) — a deployment setting, never guessed from the request as the official container guesses it
/// (FMT-SVM-2). Absent features are missing, not zero. The label is optional and ignored; `qid:` tokens and
/// `#` comments are skipped. A line holding only a label is a row with every feature missing.
public struct LibSVMDecoder: RequestDecoder {
    public let options: RequestDecodingOptions

    public init(options: RequestDecodingOptions = .init()) {
        self.options = options
    }

    public func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch {
        let bytes = body.bindMemory(to: UInt8.self)
        return switch options.precision {
        case .float32: try decode(bytes, featureCount: featureCount, into: Float32Values.self)
        case .float64: try decode(bytes, featureCount: featureCount, into: KeptDoubles.self)
        }
    }

    private func decode<Values: FeatureValues>(_ bytes: UnsafeBufferPointer<UInt8>, featureCount: Int,
                                               into: Values.Type) throws(CodecError) -> FeatureBatch {
        // A large body on every idle core (`BodyPieces`).
        try BodyPieces.rows(ofLines: bytes, firstLineNumber: options.firstLineNumber, parallelism: options.parallelism,
                            featureCount: featureCount) { bytes, firstLineNumber throws(CodecError) in
            try rows(of: bytes, firstLineNumber: firstLineNumber, featureCount: featureCount, into: Values.self)
        }
    }

    /// The rows of `bytes` (a body, or a piece of one starting at a line), its first line numbered `firstLineNumber`.
    private func rows<Values: FeatureValues>(of bytes: UnsafeBufferPointer<UInt8>, firstLineNumber: Int, featureCount: Int,
                                             into: Values.Type) throws(CodecError) -> FeatureBatch {
        try BodyLines(bytes: bytes, firstLineNumber: firstLineNumber).rows(featureCount: featureCount, into: Values.self,
                       emptyMessage: "the libsvm body holds no rows: send one line of index:value pairs per row",
                       column: { "index \($0 + options.libsvmIndexBase)" }) {
            line, lineNumber, _, values throws(CodecError) in
            // Every line fills every feature, even `0` alone: the rows stay within the request's value budget.
            try RequestDecodingOptions.requireRoom(for: values.count, featureCount: featureCount)
            let start = values.count
            values.appendMissing(count: featureCount)
            try decodeLine(bytes, line, lineNumber: lineNumber, featureCount: featureCount, row: start, into: &values)
        }
    }

    private func decodeLine<Values: FeatureValues>(_ bytes: UnsafeBufferPointer<UInt8>, _ line: Range<Int>, lineNumber: Int,
                                                   featureCount: Int, row: Int, into values: inout Values) throws(CodecError) {
        var position = line.lowerBound
        var tokenNumber = 0
        while position < line.upperBound {
            while position < line.upperBound && (bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t")) { position += 1 }
            guard position < line.upperBound, bytes[position] != UInt8(ascii: "#") else { return }
            // `index:value` with a plain number (nearly every token), read in one pass; any other token, and any
            // that is wrong, the general way below, which words the error.
            if let (index, value, end) = plainPair(bytes, from: position, to: line.upperBound),
               index < featureCount, values.isMissing(at: row + index) {
                values.set(value, at: row + index)
                tokenNumber += 1
                position = end
                continue
            }
            let start = position
            var colon: Int?
            while position < line.upperBound && bytes[position] != UInt8(ascii: " ") && bytes[position] != UInt8(ascii: "\t") {
                if bytes[position] == UInt8(ascii: ":") && colon == nil { colon = position }
                position += 1
            }
            tokenNumber += 1
            let token = start..<position
            guard let colon else {
                guard tokenNumber == 1, CSVDecoder.number(bytes, token) != nil else {
                    throw .bad("line \(lineNumber): '\(excerpt(bytes[token]))' is not an index:value pair (only the first token may be a label)")
                }
                continue
            }
            if bytes[start..<colon].elementsEqual("qid".utf8) { continue }
            guard let written = Self.integer(bytes, start..<colon) else {
                throw .bad("line \(lineNumber): '\(excerpt(bytes[token]))' does not start with a feature index")
            }
            let index = written - options.libsvmIndexBase
            guard index >= 0, index < featureCount else {
                throw .bad("""
                    line \(lineNumber): feature index \(written) is out of range: the model takes \(featureCount) features, \
                    indices \(options.libsvmIndexBase)…\(featureCount - 1 + options.libsvmIndexBase) \
                    (BERTH_LIBSVM_INDEX_BASE=\(options.libsvmIndexBase))
                    """)
            }
            guard colon + 1 < position, let value = CSVDecoder.number(bytes, colon + 1..<position) else {
                throw .bad("line \(lineNumber): '\(excerpt(bytes[token]))' has no numeric value after the colon")
            }
            guard values.isMissing(at: row + index) else {
                throw .bad("line \(lineNumber): feature index \(written) appears twice")
            }
            values.set(value, at: row + index)
        }
    }

    /// The token at `start` when it is `digits:number` (at most 9 digits, an index at or above the base, a number
    /// `DecimalText.parsePlainPrefix` reads) followed by a space, a tab or the line's end: the feature index from the
    /// base, the value, and where the token ends. Nil for anything else.
    @inline(__always)
    private func plainPair(_ bytes: UnsafeBufferPointer<UInt8>, from start: Int, to end: Int) -> (index: Int, value: Double, end: Int)? {
        var position = start
        var written = 0
        while position < end && position - start < 9 {
            let digit = bytes[position] &- UInt8(ascii: "0")
            guard digit <= 9 else { break }
            written = written &* 10 &+ Int(digit)
            position += 1
        }
        guard position > start, position < end, bytes[position] == UInt8(ascii: ":"), written >= options.libsvmIndexBase,
              let (value, length) = DecimalText.parsePlainPrefix(UnsafeBufferPointer(rebasing: bytes[(position + 1)..<end])) else {
            return nil
        }
        let tokenEnd = position + 1 + length
        guard tokenEnd == end || bytes[tokenEnd] == UInt8(ascii: " ") || bytes[tokenEnd] == UInt8(ascii: "\t") else { return nil }
        return (written - options.libsvmIndexBase, value, tokenEnd)
    }

    /// A non-negative decimal integer of at most 9 digits.
    private static func integer(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Int? {
        guard !range.isEmpty, range.count <= 9 else { return nil }
        var value = 0
        for byte in bytes[range] {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value
    }
}
