import BerthCore
import BerthJSON

/// `application/jsonlines` request bodies: one record per line, parsed line by line so that a batch-transform
/// MULTI_RECORD body of N lines gives exactly N rows in order (BT-8). Blank lines are skipped; each line is
/// one row in any form `JSONRows` reads; a record of plain numbers is read in one pass.
public struct JSONLinesDecoder: RequestDecoder {
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
        let bytes = body.bindMemory(to: UInt8.self)
        // A large body on every idle core (`BodyPieces`).
        return try BodyPieces.rows(ofLines: bytes, firstLineNumber: options.firstLineNumber, parallelism: options.parallelism,
                                   featureCount: featureCount) { bytes, firstLineNumber throws(CodecError) in
            try records(of: bytes, firstLineNumber: firstLineNumber, featureCount: featureCount, into: Values.self)
        }
    }

    /// The rows of the records of `bytes` (a body, or a piece of one starting at a line), its first line numbered
    /// `firstLineNumber`.
    private func records<Values: FeatureValues>(of bytes: UnsafeBufferPointer<UInt8>, firstLineNumber: Int, featureCount: Int,
                                                into: Values.Type) throws(CodecError) -> FeatureBatch {
        let lines = BodyLines(bytes: bytes, firstLineNumber: firstLineNumber)
        // A record of plain numbers in one pass (`JSONNumberRows`); any other record through a JSON tree. A model
        // with a feature named "features" reads `{"features": …}` as a named record: only the general path knows.
        let plainRecords = JSONNumberRows(featureCount: featureCount)
        let featuresObjectIsPlain = options.schema?.column(named: "features") == nil
        return try lines.rows(featureCount: featureCount, into: Values.self, emptyMessage: "the JSON Lines body holds no records") {
            line, lineNumber, _, values throws(CodecError) in
            // Straight into the batch; a record that proves not to be plain numbers partway gives back what it added.
            let start = values.count
            if plainRecords.readRecord(UnsafeBufferPointer(rebasing: bytes[line]), acceptsFeaturesObject: featuresObjectIsPlain, into: &values) {
                return
            }
            values.removeLast(values.count - start)
            let record: JSONValue
            do throws(JSONParseError) {
                record = try JSONReader.parse(UnsafeBufferPointer(rebasing: bytes[line]), allowsNonFiniteNumbers: true, rejectsDuplicateKeys: true)
            } catch {
                throw .bad("line \(lineNumber) is not valid JSON (\(error.reason) at byte \(error.offset) of the line)")
            }
            try JSONRows(options: options, featureCount: featureCount).appendRow(record, label: "line \(lineNumber)", into: &values)
        }
    }
}
