import BerthCore

/// The request content types Berth reads, and the aliases clients send for them (NEG-5).
public enum RequestFormat: String, Sendable, CaseIterable {
    case csv = "text/csv"
    case json = "application/json"
    case jsonLines = "application/jsonlines"

    /// The format a Content-Type names. A missing Content-Type is read as CSV (documented in the README; the
    /// official container assumes libsvm there). Anything else is a 415 naming what is accepted.
    public static func negotiate(contentType: String?) throws(CodecError) -> RequestFormat {
        guard let contentType, let mediaType = MediaType(parsing: contentType) else { return .csv }
        switch mediaType.essence {
        case "text/csv", "csv", "text/x-csv", "application/csv": return .csv
        case "application/json", "json", "text/json": return .json
        case "application/jsonlines", "application/jsonl", "application/x-jsonlines", "application/json-lines",
             "jsonlines", "text/jsonl":
            return .jsonLines
        default:
            throw CodecError(.unsupportedContentType, """
                Content-Type '\(mediaType.essence)' is not supported. Send one of: \
                \(RequestFormat.allCases.map(\.rawValue).joined(separator: ", ")) (header-less CSV with one row per line \
                is what SageMaker's built-in XGBoost expects)
                """)
        }
    }

    /// The decoder for this format.
    public var decoder: any RequestDecoder {
        switch self {
        case .csv: CSVDecoder()
        case .json: JSONRequestDecoder()
        case .jsonLines: JSONLinesDecoder()
        }
    }
}

/// Turns a request body into the feature rows the model reads.
public protocol RequestDecoder: Sendable {
    /// Decodes `body`; every row must have exactly `featureCount` values (a 400 naming both counts otherwise).
    func decode(_ body: UnsafeRawBufferPointer, featureCount: Int) throws(CodecError) -> FeatureBatch
}

extension RequestDecoder {
    public func decode(_ body: [UInt8], featureCount: Int) throws(CodecError) -> FeatureBatch {
        let result = body.withUnsafeBytes { buffer in
            Result { () throws(CodecError) in try decode(buffer, featureCount: featureCount) }
        }
        return try result.get()
    }
}
