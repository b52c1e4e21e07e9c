import BerthCore

/// The request content types Berth reads, and the aliases clients send for them (NEG-5).
public enum RequestFormat: String, Sendable, CaseIterable {
    case csv = "text/csv"
    case json = "application/json"
    case jsonLines = "application/jsonlines"
    case libsvm = "text/libsvm"
    case recordIO = "application/x-recordio-protobuf"
    case npy = "application/x-npy"

    /// The format a Content-Type names; a missing one is CSV until the body says otherwise (`unlabelled(_:)`).
    /// Anything else is a 415 naming what is accepted.
    public static func negotiate(contentType: String?) throws(CodecError) -> RequestFormat {
        // The exact canonical value (what nearly every client sends) needs no parsing.
        if let contentType, let exact = RequestFormat(rawValue: contentType) { return exact }
        guard let contentType, let mediaType = MediaType(parsing: contentType) else { return .csv }
        switch mediaType.essence {
        case "text/csv", "csv", "text/x-csv", "application/csv": return .csv
        // What `curl --data` labels any body with: read as an unlabelled one (`isUnlabelled`).
        case formEncoded: return .csv
        case "application/json", "json", "text/json": return .json
        case "application/jsonlines", "application/jsonl", "application/x-jsonlines", "application/json-lines",
             "jsonlines", "text/jsonl":
            return .jsonLines
        case "text/libsvm", "text/x-libsvm", "libsvm", "application/x-libsvm": return .libsvm
        case "application/x-recordio-protobuf", "recordio-protobuf", "x-recordio-protobuf", "application/recordio-protobuf":
            return .recordIO
        case "application/x-npy", "application/npy", "npy": return .npy
        default:
            throw CodecError(.unsupportedContentType, """
                Content-Type '\(excerpt(Array(mediaType.essence.utf8)))' is not supported. Send one of: \
                \(RequestFormat.allCases.map(\.rawValue).joined(separator: ", ")) (header-less CSV with one row per line \
                is what SageMaker's built-in XGBoost expects; \
                with no Content-Type, or curl --data's form encoding, Berth reads CSV or libsvm by the first line)
                """)
        }
    }

    /// Whether a Content-Type header says nothing about the body: absent, blank, or the form encoding `curl --data`
    /// (and `curl -d`) sends whatever the body is — no model reads HTML form fields.
    public static func isUnlabelled(contentType: String?) -> Bool {
        guard let contentType else { return true }
        // Every request asks this: the canonical types (nearly every client's) answer without parsing, and before
        // the white-space test, which walks the text's characters.
        if RequestFormat(rawValue: contentType) != nil { return false }
        guard !contentType.allSatisfy(\.isWhitespace) else { return true }
        return MediaType(parsing: contentType)?.essence == formEncoded
    }

    private static let formEncoded = "application/x-www-form-urlencoded"

    /// The format of a body sent without a Content-Type: JSON when it starts with `{` or `[`; libsvm when its first
    /// line holds a `:` (as every libsvm line with a feature does, and no CSV number), as the official container
    /// reads such bodies; CSV otherwise (docs/http-api.md).
    public static func unlabelled(_ body: UnsafeRawBufferPointer) -> RequestFormat {
        // A JSON document (`curl -d '{"instances": …}'` without -H) is read as one; no CSV or libsvm line starts so.
        if let first = body.first(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\t") && $0 != UInt8(ascii: "\r") && $0 != UInt8(ascii: "\n") }),
           first == UInt8(ascii: "{") || first == UInt8(ascii: "[") {
            return .json
        }
        for byte in body.prefix(CSVDelimiter.sniffedPrefix) {
            if byte == UInt8(ascii: "\n") { break }
            if byte == UInt8(ascii: ":") { return .libsvm }
        }
        return .csv
    }

    /// The decoder for this format.
    public func decoder(options: RequestDecodingOptions = .init()) -> any RequestDecoder {
        switch self {
        case .csv: CSVDecoder(options: options)
        case .json: JSONRequestDecoder(options: options)
        case .jsonLines: JSONLinesDecoder(options: options)
        case .libsvm: LibSVMDecoder(options: options)
        case .recordIO: RecordIODecoder(options: options)
        case .npy: NPYDecoder(options: options)
        }
    }

    /// Whether bodies of this format are lines of text, one record each, which batch transform may split and
    /// join at line ends (`SplitType=Line`).
    public var isLineOriented: Bool {
        switch self {
        case .csv, .jsonLines, .libsvm: true
        case .json, .recordIO, .npy: false
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
