import BerthCore
import BerthJSON

/// `text/csv` request bodies: header-less, one row per line, numbers separated by a comma or by the delimiter the
/// first line shows (FMT-CSV-1..5, `CSVDelimiter`).
///
/// `\n` and `\r\n` line ends and trailing blank lines are accepted; a blank line before a row is refused, since
/// answering fewer rows than the body has lines would misalign every later record of a batch transform join. An
/// empty field or `nan` (any case) is a missing value, as in the official container; an infinite value is refused,
/// as xgboost refuses it. Fields may be quoted. Numbers are read as doubles and narrowed to float32 — numpy's path
/// into XGBoost — straight from the body's bytes; for a model that compares doubles (LightGBM) the doubles are
/// kept too, and only a value infinite as a double is refused. A first line that is not numeric is reported as a header; every
/// other problem names its row and column.
///
/// With `header=present` (docs/feature-schema.md) the first line names the columns, mapped through the model's
/// feature names in any order (`CSVHeaderColumns`); in any body, text in a categorical feature whose categories the
/// model records is a category value, recoded to its code (`CategoryText`).
public struct CSVDecoder: RequestDecoder {
    public let options: RequestDecodingOptions

    public init(options: RequestDecodingOptions = .init()) {
        self.options = options
    }

    public func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch {
        switch options.precision {
        case .float32: try decode(body, featureCount: featureCount, into: Float32Values.self)
        case .float64: try decode(body, featureCount: featureCount, into: KeptDoubles.self)
        }
    }

    private func decode<Values: FeatureValues>(_ body: UnsafeRawBufferPointer, featureCount: Int,
                                               into: Values.Type) throws(CodecError) -> FeatureBatch {
        var bytes = body.bindMemory(to: UInt8.self)
        // A UTF-8 byte order mark before the first line (Excel's "CSV UTF-8") is not data.
        if options.firstLineNumber == 1, bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = UnsafeBufferPointer(rebasing: bytes[3...]) }
        guard options.csvHeader == .present else {
            // A large body on every idle core, each piece's rows read with the delimiter of the body's first row.
            if let pieces = BodyPieces(linesOf: bytes, parallelism: options.parallelism, refusesBlankLinesBeforeRows: true),
               let first = BodyLines(bytes: bytes).firstLine() {
                let delimiter = CSVDelimiter(firstLine: UnsafeBufferPointer(rebasing: bytes[first.range])).byte
                if let batch = pieces.read(featureCount: featureCount, { piece, index in
                    try? rows(of: piece, firstLineNumber: 1, header: nil, delimiter: delimiter, isBodyStart: index == 0,
                             featureCount: featureCount, into: Values.self)
                }) { return batch }
            }
            return try rows(of: bytes, firstLineNumber: options.firstLineNumber, header: nil, delimiter: nil, isBodyStart: true,
                            featureCount: featureCount, into: Values.self)
        }
        guard let line = BodyLines(bytes: bytes, firstLineNumber: options.firstLineNumber).firstLine() else {
            throw .bad("the CSV body holds no rows: send a header line, then one line of values per row")
        }
        let delimiter = CSVDelimiter(firstLine: UnsafeBufferPointer(rebasing: bytes[line.range])).byte
        let header = try CSVHeaderColumns(UnsafeBufferPointer(rebasing: bytes[line.range]), delimiter: delimiter, lineNumber: line.number,
                                          schema: options.schema, featureCount: featureCount, unknownFeatures: options.unknownFeatures)
        return try rows(of: UnsafeBufferPointer(rebasing: bytes[min(bytes.count, line.next)...]), firstLineNumber: line.number + 1,
                        header: header, delimiter: delimiter, isBodyStart: false, featureCount: featureCount, into: Values.self)
    }

    /// The rows of `bytes` (a body after its header, if any, or a piece of one starting at a line), its first line
    /// numbered `firstLineNumber`. The delimiter is `delimiter`, or nil to find it from the first row;
    /// `isBodyStart` says whether that first row is the body's first line (which may be a header sent by mistake).
    func rows<Values: FeatureValues>(of bytes: UnsafeBufferPointer<UInt8>, firstLineNumber: Int, header: CSVHeaderColumns?,
                                     delimiter fixedDelimiter: UInt8?, isBodyStart: Bool, featureCount: Int,
                                     into: Values.Type) throws(CodecError) -> FeatureBatch {
        let lines = BodyLines(bytes: bytes, firstLineNumber: firstLineNumber, blankLinesBeforeRows: .refused(format: "CSV"))
        let width = header?.fieldColumns.count ?? featureCount
        var delimiter = fixedDelimiter ?? UInt8(ascii: ",")
        var scratch = ScratchValues()
        // Infinite values are refused as each field is read, quoting it (`column: nil`).
        return try lines.rows(featureCount: featureCount, into: Values.self,
                              emptyMessage: "the CSV body holds no rows: send one line of \(width) comma-separated values per row", column: nil) {
            line, lineNumber, isFirstRow, values throws(CodecError) in
            if isFirstRow && fixedDelimiter == nil { delimiter = CSVDelimiter(firstLine: UnsafeBufferPointer(rebasing: bytes[line])).byte }
            guard let header else {
                let fields = try decodeLine(bytes, line, delimiter: delimiter, lineNumber: lineNumber, header: nil,
                                            isFirstRow: isFirstRow && isBodyStart && options.firstLineNumber == 1, into: &values)
                guard fields == featureCount else {
                    let text = bytes[line].last == UInt8(ascii: "\r") ? bytes[line].dropLast() : bytes[line]
                    throw .bad(countMessage(fields: fields, featureCount: featureCount, subject: "line \(lineNumber)",
                                            trailingDelimiter: text.last == delimiter ? delimiter : nil))
                }
                return
            }
            scratch.removeAll()
            let fields = try decodeLine(bytes, line, delimiter: delimiter, lineNumber: lineNumber, header: header, isFirstRow: false, into: &scratch)
            guard fields == width else {
                throw .bad("line \(lineNumber) has \(fields) values but the header names \(width) columns")
            }
            try header.place(scratch.values, schema: options.schema, featureCount: featureCount, label: "line \(lineNumber)", into: &values)
        }
    }

    /// Appends the line's values and returns how many there were. With a `header`, a field in a column the model
    /// does not have is skipped (read as missing), whatever it holds.
    ///
    /// A plain number followed by the delimiter or the line end (nearly every field) is read in one pass, and an
    /// empty field is a missing value at once; any other field (quoted, padded, `nan`, `inf`, long, malformed, or a
    /// category value) is cut at its delimiter and read by `number`, or as a category (`CategoryText`).
    private func decodeLine<Values: FeatureValues>(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, delimiter: UInt8,
                                                   lineNumber: Int, header: CSVHeaderColumns?, isFirstRow: Bool,
                                                   into values: inout Values) throws(CodecError) -> Int {
        var fieldStart = range.lowerBound
        var fields = 0
        while true {
            fields += 1
            if let (value, length) = DecimalText.parsePlainPrefix(UnsafeBufferPointer(rebasing: bytes[fieldStart..<range.upperBound])) {
                let fieldEnd = fieldStart + length
                if fieldEnd == range.upperBound || bytes[fieldEnd] == delimiter {
                    values.append(value)
                    if fieldEnd == range.upperBound { return fields }
                    fieldStart = fieldEnd + 1
                    continue
                }
            } else if fieldStart == range.upperBound || bytes[fieldStart] == delimiter {
                // An empty field, a missing value: at once, not cut and read by `number` as every other field is.
                values.append(.nan)
                if fieldStart == range.upperBound { return fields }
                fieldStart += 1
                continue
            }
            var fieldEnd = fieldStart
            while fieldEnd < range.upperBound && bytes[fieldEnd] != delimiter { fieldEnd += 1 }
            let column = header.map { $0.column(ofField: fields - 1) } ?? fields - 1
            if let value = Self.number(bytes, fieldStart..<fieldEnd) {
                let narrowed = Float(value)
                guard options.precision == .float64 ? !value.isInfinite : !narrowed.isInfinite else {
                    let field = excerpt(UnsafeBufferPointer(rebasing: bytes[fieldStart..<fieldEnd]))
                    throw .bad("""
                        line \(lineNumber), column \(fields): '\(field)' is infinite\(options.precision == .float64 ? "" : " as a float32"), \
                        and Berth refuses infinite inputs (xgboost does): send a finite number, or leave the field empty for a \
                        missing value
                        """)
                }
                values.append(value)
            } else if let column {
                values.append(try category(bytes, fieldStart..<fieldEnd, column: column, lineNumber: lineNumber, field: fields, isFirstRow: isFirstRow))
            } else {
                values.append(.nan)
            }
            if fieldEnd >= range.upperBound { return fields }
            fieldStart = fieldEnd + 1
        }
    }

    /// A field that is not a number: a category value's code when `column` is a categorical feature with known
    /// categories, a 400 otherwise.
    private func category(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>, column: Int, lineNumber: Int, field: Int,
                          isFirstRow: Bool) throws(CodecError) -> Double {
        let text = Self.unquoted(bytes, range)
        // Text that is no category: on a first line, likely a header; without a schema, simply not a number. In a
        // categorical column it is a category the model cannot recode, which `CategoryText` says — unless it is that
        // column's own name on the first line, a header.
        let isHeaderName = isFirstRow && options.schema.map { $0.features.indices.contains(column) && $0.features[column].name == text } == true
        if options.schema?.code(ofText: text, column: column) == nil && (!isCategorical(column) || isHeaderName) {
            let shown = excerpt(UnsafeBufferPointer(rebasing: bytes[range]))
            if isFirstRow {
                let named = options.schema?.namesEveryFeature == true
                    ? ", or say it has one with Content-Type: text/csv; header=present (or BERTH_CSV_HEADER=present)" : ""
                throw .bad("line \(lineNumber) looks like a header ('\(shown)' is not a number): send header-less CSV, one row of numbers per line\(named)")
            }
            guard options.schema != nil else {
                throw .bad("line \(lineNumber), column \(field): '\(shown)' is not a number (leave the field empty for a missing value)")
            }
        }
        return try CategoryText.code(text, column: column, schema: options.schema, label: "line \(lineNumber)")
    }

    /// Whether the model's schema says `column` is a categorical feature.
    private func isCategorical(_ column: Int) -> Bool {
        guard let schema = options.schema, schema.features.indices.contains(column) else { return false }
        if case .numerical = schema.features[column].kind { return false }
        return true
    }

    /// A field's bytes without the spaces and tabs around it and its quotes.
    static func content(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var start = range.lowerBound, end = range.upperBound
        while start < end && (bytes[start] == UInt8(ascii: " ") || bytes[start] == UInt8(ascii: "\t")) { start += 1 }
        while end > start && (bytes[end - 1] == UInt8(ascii: " ") || bytes[end - 1] == UInt8(ascii: "\t")) { end -= 1 }
        if end - start >= 2 && bytes[start] == UInt8(ascii: "\"") && bytes[end - 1] == UInt8(ascii: "\"") {
            start += 1
            end -= 1
        }
        return start..<end
    }

    /// A field's text (`content`).
    static func unquoted(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[content(bytes, range)]), as: UTF8.self)
    }

    /// The field's value: NaN when empty or `nan`; nil when it is not a number.
    static func number(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
        let field = content(bytes, range)
        if field.isEmpty { return .nan }
        let text = UnsafeBufferPointer(rebasing: bytes[field])
        let unsigned = text.first == UInt8(ascii: "-") || text.first == UInt8(ascii: "+") ? text.dropFirst() : text[...]
        if isWord(unsigned, "nan") { return .nan }
        let isInfinity = isWord(unsigned, "inf") || isWord(unsigned, "infinity")
        // Only decimal or scientific notation reaches strtod, which would also accept hex floats.
        guard isInfinity || isDecimal(unsigned), let value = DecimalText.parseDouble(text) else { return nil }
        return value
    }

    /// Whether `text` spells `word` (lower-case ASCII) in any letter case, without allocating.
    private static func isWord(_ text: Slice<UnsafeBufferPointer<UInt8>>, _ word: String) -> Bool {
        text.count == word.utf8.count && zip(text, word.utf8).allSatisfy { $0 | 0x20 == $1 }
    }

    /// Digits with at most the characters of a decimal or scientific number around them.
    private static func isDecimal(_ text: Slice<UnsafeBufferPointer<UInt8>>) -> Bool {
        var sawDigit = false
        for byte in text {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): sawDigit = true
            case UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+"), UInt8(ascii: "e"), UInt8(ascii: "E"): continue
            default: return false
            }
        }
        return sawDigit
    }
}

/// The 400 message for a row whose value count differs from the model's feature count; `trailingDelimiter`, when a
/// CSV line ends with its delimiter (whose empty last value is the extra one, not a label).
func countMessage(fields: Int, featureCount: Int, subject: String, trailingDelimiter: UInt8? = nil) -> String {
    var message = "\(subject) has \(fields) values but the model takes \(featureCount) features"
    if fields == featureCount + 1, let trailingDelimiter {
        let named = trailingDelimiter == UInt8(ascii: "\t") ? "a tab" : trailingDelimiter == UInt8(ascii: " ") ? "a space" : "'\(excerpt([trailingDelimiter]))'"
        message += ": it ends with \(named), which adds an empty last value; remove the trailing delimiter"
    } else if fields == featureCount + 1 {
        message += ": if the first column is the label, drop it (inference rows carry features only)"
    } else {
        message += ": send exactly \(featureCount) values per row, leaving a field empty for a missing value"
    }
    return message
}
