import BerthCore
import BerthJSON

/// `application/jsonlines` request bodies: one record per line, parsed line by line so that a batch-transform
/// MULTI_RECORD body of N lines gives exactly N rows in order (BT-8). Blank lines are skipped; each line is
/// one row in any form `JSONRows` reads.
public struct JSONLinesDecoder: RequestDecoder {
    public let options: RequestDecodingOptions

    public init(options: RequestDecodingOptions = .init()) {
        self.options = options
    }

    public func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch {
        let bytes = body.bindMemory(to: UInt8.self)
        var values = [Float]()
        var rowCount = 0
        try BodyLines(bytes: bytes, firstLineNumber: options.firstLineNumber).forEach { line, lineNumber throws(CodecError) in
            let record: JSONValue
            do throws(JSONParseError) {
                record = try JSONReader.parse(UnsafeBufferPointer(rebasing: bytes[line]))
            } catch {
                throw .bad("line \(lineNumber) is not valid JSON (\(error.reason) at byte \(error.offset) of the line)")
            }
            try JSONRows.appendRow(record, featureCount: featureCount, label: "line \(lineNumber)", into: &values)
            rowCount += 1
        }
        guard rowCount > 0 else { throw .bad("the JSON Lines body holds no records") }
        return FeatureBatch(rowCount: rowCount, columnCount: featureCount, values: values)
    }
}
