import BerthCore

/// What decoding a request needs beyond its bytes and the model's width: deployment settings, and where the
/// body sits in a larger file so error messages can name the line a person sees.
public struct RequestDecodingOptions: Sendable, Equatable {
    /// The number libsvm calls the first feature (`BERTH_LIBSVM_INDEX_BASE`): 0 as SageMaker's built-in XGBoost
    /// documents, or 1 as LIBSVM's own tools write. Set once per deployment, never guessed per request (FMT-SVM-2).
    public var libsvmIndexBase: Int
    /// The line number of the body's first line (1 for a request; later for a slice of a `berth predict` input).
    public var firstLineNumber: Int
    /// Whether the model compares doubles, so the decoder keeps each number's double value beside its float32.
    public var precision: FeaturePrecision
    /// The model's feature names and categories, which let records name features and send category values
    /// (docs/feature-schema.md); nil when the model file records neither.
    public var schema: FeatureSchema?
    /// `BERTH_UNKNOWN_FEATURES`: what a record key the model has no feature for is.
    public var unknownFeatures: UnknownFeatures
    /// Whether a CSV body's first line names its columns (`text/csv; header=present`, or `BERTH_CSV_HEADER`).
    public var csvHeader: CSVHeader
    /// The threads a large body may be read on where they are idle (`BodyPieces`); nil: one.
    public var parallelism: RowParallelism?

    /// Names a named record (or a CSV header, or `dataframe_split`'s columns) may give beyond the model's features
    /// (ignored unknown ones); more is a 400 before anything grows with them.
    public static let extraNameMargin = 64
    /// The most values one request may decode to. Named records, headed CSV lines, libsvm lines and sparse JSON and
    /// RecordIO records fill every feature a row whatever they hold, so a body of empty records (`{}` is 2 bytes)
    /// could otherwise expand without bound.
    public static let maxValues = 1 << 25

    /// A 400 when one more row would take a request past `maxValues`.
    static func requireRoom(for valueCount: Int, featureCount: Int) throws(CodecError) {
        guard valueCount + featureCount <= maxValues else {
            throw .bad("the request expands to more than \(maxValues) values (rows × \(featureCount) features): send it in smaller requests")
        }
    }

    public init(libsvmIndexBase: Int = 0, firstLineNumber: Int = 1, precision: FeaturePrecision = .float32,
                schema: FeatureSchema? = nil, unknownFeatures: UnknownFeatures = .reject, csvHeader: CSVHeader = .absent,
                parallelism: RowParallelism? = nil) {
        self.libsvmIndexBase = libsvmIndexBase
        self.firstLineNumber = firstLineNumber
        self.precision = precision
        self.schema = schema
        self.unknownFeatures = unknownFeatures
        self.csvHeader = csvHeader
        self.parallelism = parallelism
    }
}

/// What a record's key naming no feature of the model is (`BERTH_UNKNOWN_FEATURES`): a 400 naming it, so a typo
/// never silently leaves a feature missing, or ignored, for clients that send more columns than the model takes.
public enum UnknownFeatures: String, Sendable, CaseIterable {
    case reject
    case ignore
}

/// Whether a CSV body starts with a header line naming its columns: RFC 4180's `header` parameter of `text/csv`,
/// or `BERTH_CSV_HEADER` for clients that cannot set it.
public enum CSVHeader: String, Sendable, CaseIterable {
    case present
    case absent

    /// Where a CSV body's header sits: its first non-blank line (without the line end) and where the line after it
    /// starts; nil for a body of blank lines. `berth predict` sends it with every request it splits a file into.
    public static func line(in bytes: UnsafeBufferPointer<UInt8>) -> (range: Range<Int>, next: Int)? {
        BodyLines(bytes: bytes).firstLine().map { ($0.range, $0.next) }
    }

    /// The `header` parameter of a `text/csv` Content-Type, nil when it has none; another value is a 400.
    public static func parameter(ofContentType contentType: String?) throws(CodecError) -> CSVHeader? {
        guard let contentType, contentType.utf8.contains(UInt8(ascii: ";")), let mediaType = MediaType(parsing: contentType),
              let value = mediaType.parameters["header"] else { return nil }
        guard let header = CSVHeader(rawValue: value.lowercased()) else {
            throw .bad("the Content-Type's header parameter is '\(excerpt(Array(value.utf8)))': use header=present (the first line names the columns) or header=absent")
        }
        return header
    }
}
