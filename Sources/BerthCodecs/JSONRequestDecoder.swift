import BerthCore
import BerthJSON

/// `application/json` request bodies (FMT-JSON-1): `{"instances": [row, …]}`, a single `{"features": [...]}`
/// or `{"data": …}` record, an array of rows, or one bare array of numbers. Each row takes any form
/// `JSONRows` reads.
///
/// A body of several JSON values on separate lines — what a batch transform job with `SplitType=Line` and
/// MULTI_RECORD sends for a `.json` input of one record per line — is read as JSON Lines, one row per line,
/// instead of failing with "extra data" (BT-8).
public struct JSONRequestDecoder: RequestDecoder {
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
        // Rows of plain numbers, the usual large body, in one pass; any other body the general way below.
        // (Each value takes at least two bytes of the body, usually many more: an eighth of it is a close guess.)
        // A model with a feature named "features" may read `{"features": …}` as a named record: only the general
        // path knows.
        // A large body of such rows is read on every idle core, cut between rows (`BodyPieces`).
        let bytes = body.bindMemory(to: UInt8.self)
        let numberRows = JSONNumberRows(featureCount: featureCount)
        if let pieces = BodyPieces(bytes, parallelism: options.parallelism, cutBy: { numberRows.rowPieces(bytes, pieceCount: $0) }),
           let batch = pieces.read(featureCount: featureCount, { piece, _ in
               var values = Values(reservingCapacity: min(piece.count / 8, RequestDecodingOptions.maxValues))
               return numberRows.readRows(piece, into: &values).map { values.batch(rowCount: $0, columnCount: featureCount) }
           }) {
            return batch
        }
        var plain = Values(reservingCapacity: min(body.count / 8, RequestDecodingOptions.maxValues))
        let featuresObjectIsPlain = options.schema?.column(named: "features") == nil
        if let rowCount = numberRows.read(bytes, acceptsFeaturesObject: featuresObjectIsPlain, into: &plain) {
            return plain.batch(rowCount: rowCount, columnCount: featureCount)
        }
        let document: JSONValue
        do {
            document = try JSONReader.parse(body.bindMemory(to: UInt8.self), allowsNonFiniteNumbers: true, rejectsDuplicateKeys: true)
        } catch {
            if error.reason == JSONParseError.contentAfterValue && body.contains(UInt8(ascii: "\n")) {
                return try JSONLinesDecoder(options: options).decode(body, featureCount: featureCount)
            }
            throw .bad("the body is not valid JSON (\(error.reason) at byte \(error.offset))")
        }
        let reader = JSONRows(options: options, featureCount: featureCount)
        let rows: [JSONValue]
        let noun: String
        switch document {
        case .object(let members) where members["dataframe_split"] != nil:
            guard let split = members["dataframe_split"], let columns = split["columns"]?.array, let data = split["data"]?.array else {
                throw .bad("\"dataframe_split\" must be an object with \"columns\" (names) and \"data\" (rows), as pandas' to_dict(orient=\"split\") writes it")
            }
            guard !data.isEmpty else { throw .bad("the request holds no rows") }
            var values = Values(reservingCapacity: min(data.count * featureCount, RequestDecodingOptions.maxValues))
            try reader.appendSplit(columns: columns, rows: data, into: &values)
            return values.batch(rowCount: data.count, columnCount: featureCount)
        case .object(let members) where members["dataframe_records"] != nil:
            guard let records = members["dataframe_records"]?.array else { throw .bad("\"dataframe_records\" must be an array of records") }
            (rows, noun) = (records, "record")
        case .object(let members) where members["instances"] != nil:
            guard let instances = members["instances"]?.array else { throw .bad("\"instances\" must be an array of rows") }
            (rows, noun) = (instances, "instance")
        case .object:
            (rows, noun) = ([document], "record")
        case .array(let elements) where elements.contains { $0.array != nil || $0.object != nil }:
            (rows, noun) = (elements, "row")
        case .array:
            (rows, noun) = ([document], "row")
        default:
            throw .bad("send {\"instances\": [[...], ...]}, an array of rows, or one array of numbers")
        }
        guard !rows.isEmpty else { throw .bad("the request holds no rows") }
        var values = Values(reservingCapacity: min(rows.count * featureCount, RequestDecodingOptions.maxValues))
        for (index, row) in rows.enumerated() {
            try reader.appendRow(row, label: "\(noun) \(index + 1)", into: &values)
        }
        return values.batch(rowCount: rows.count, columnCount: featureCount)
    }
}
