import BerthCore
import BerthJSON

/// The response content types Berth writes, chosen from the request's Accept header (NEG-2, NEG-3).
public enum ResponseFormat: String, Sendable, CaseIterable {
    case csv = "text/csv"
    case json = "application/json"
    case jsonLines = "application/jsonlines"
    case recordIO = "application/x-recordio-protobuf"
    case npy = "application/x-npy"

    /// The format one media type names exactly (aliases included), or nil.
    public init?(mediaType: MediaType) {
        switch mediaType.essence {
        case "text/csv", "csv": self = .csv
        case "application/json", "json": self = .json
        case "application/jsonlines", "application/jsonl", "application/x-jsonlines", "jsonlines": self = .jsonLines
        case "application/x-recordio-protobuf", "recordio-protobuf", "x-recordio-protobuf", "application/recordio-protobuf":
            self = .recordIO
        case "application/x-npy", "application/npy", "npy": self = .npy
        default: return nil
        }
    }

    /// Picks the response format for an Accept header.
    ///
    /// A missing or empty Accept, or `*/*`, means `defaultFormat`. A comma-separated list is tried in order of
    /// its `q` values (ties keep their order) and the first type Berth writes wins; `q=0` excludes a type.
    /// `text/*` means CSV and `application/*` JSON, unless the default already matches. Nothing writable → 406.
    public static func negotiate(accept: String?, defaultFormat: ResponseFormat) throws(CodecError) -> ResponseFormat {
        // The exact canonical value (what nearly every client sends) needs no parsing.
        if let accept, let exact = ResponseFormat(rawValue: accept) { return exact }
        guard let accept, !accept.trimmingWhitespace().isEmpty else { return defaultFormat }
        for candidate in MediaType.accepted(accept) {
            if let format = ResponseFormat(mediaType: candidate) { return format }
            switch (candidate.type, candidate.subtype) {
            case ("*", "*"), ("*", ""): return defaultFormat
            case ("text", "*"): return .csv
            case ("application", "*"): return defaultFormat == .csv ? .json : defaultFormat
            default: continue
            }
        }
        throw CodecError(.notAcceptable, """
            Accept '\(excerpt(Array(accept.utf8)))' names no type Berth can answer with. Ask for one of: \
            \(ResponseFormat.allCases.map(\.rawValue).joined(separator: ", ")), or */*
            """)
    }

    /// The encoder for this format.
    public func encoder(options: ResponseEncodingOptions = .init()) -> any ResponseEncoder {
        switch self {
        case .csv: CSVEncoder(options: options)
        case .json: JSONResponseEncoder(options: options)
        case .jsonLines: JSONLinesEncoder(options: options)
        case .recordIO: RecordIOEncoder(options: options)
        case .npy: NPYEncoder(options: options)
        }
    }

    /// Whether responses of this format are text, which batch framing ends with a newline.
    public var isText: Bool {
        switch self {
        case .csv, .json, .jsonLines: true
        case .recordIO, .npy: false
        }
    }
}

/// Turns predictions into response bytes.
public protocol ResponseEncoder: Sendable {
    /// Appends the encoded predictions to `output`.
    func encode(_ predictions: Predictions, into output: inout [UInt8])
}
