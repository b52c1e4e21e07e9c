import BerthCore
import BerthJSON

/// `application/jsonlines` request bodies: one record per line, parsed line by line so that a batch-transform
/// MULTI_RECORD body of N lines gives exactly N rows in order (BT-8). Blank lines are skipped; each line is
/// one row in any form `JSONRows` reads.
public struct JSONLinesDecoder: RequestDecoder {
    public init() {}

    public func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch {
        let bytes = body.bindMemory(to: UInt8.self)
        var values = [Float]()
        var rowCount = 0
        var lineNumber = 0
        var lineStart = 0
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != UInt8(ascii: "\n") { lineEnd += 1 }
            lineNumber += 1
            let line = UnsafeBufferPointer(rebasing: bytes[lineStart..<lineEnd])
            lineStart = lineEnd + 1
            guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") }) else {
                continue
            }
            let record: JSONValue
            do {
                record = try JSONReader.parse(line)
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
