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
    /// its `q` values (ties keep their order) and the first type Berth writes wins. `text/*` means CSV and
    /// `application/*` JSON, unless the default already matches. A format's own `q` is that of the most specific
    /// range naming it (RFC 9110 §12.5.1), so `text/csv;q=0, */*` excludes CSV and answers the next format.
    /// Nothing writable → 406.
    public static func negotiate(accept: String?, defaultFormat: ResponseFormat) throws(CodecError) -> ResponseFormat {
        // The exact canonical value (what nearly every client sends) needs no parsing.
        if let accept, let exact = ResponseFormat(rawValue: accept) { return exact }
        guard let accept, !accept.trimmingWhitespace().isEmpty else { return defaultFormat }
        let ranked = MediaType.ranked(accept)
        for (range, quality) in ranked where quality > 0 {
            for format in candidates(range, defaultFormat: defaultFormat) where format.quality(in: ranked) == quality {
                return format
            }
        }
        throw CodecError(.notAcceptable, """
            Accept '\(excerpt(Array(accept.utf8)))' names no type Berth can answer with. Ask for one of: \
            \(ResponseFormat.allCases.map(\.rawValue).joined(separator: ", ")), or */*
            """)
    }

    /// The formats a media range admits, in the order Berth prefers them.
    private static func candidates(_ range: MediaType, defaultFormat: ResponseFormat) -> [ResponseFormat] {
        if let format = ResponseFormat(mediaType: range) { return [format] }
        switch (range.type, range.subtype) {
        case ("*", "*"), ("*", ""): return [defaultFormat] + allCases
        case ("text", "*"): return [.csv]
        case ("application", "*"): return [defaultFormat == .csv ? .json : defaultFormat] + allCases.filter { $0 != .csv }
        default: return []
        }
    }

    /// This format's `q` under an Accept: that of the most specific range naming it (itself, then `type/*`, then
    /// `*/*`), the first such range where two are equally specific; 0 when none does.
    private func quality(in ranked: [(range: MediaType, quality: Double)]) -> Double {
        var best: (specificity: Int, quality: Double)?
        for (range, quality) in ranked {
            let specificity: Int
            if ResponseFormat(mediaType: range) == self {
                specificity = 3
            } else if range.subtype == "*" && rawValue.hasPrefix(range.type + "/") {
                specificity = 2
            } else if range.type == "*" && (range.subtype == "*" || range.subtype.isEmpty) {
                specificity = 1
            } else {
                continue
            }
            if specificity > best?.specificity ?? 0 { best = (specificity, quality) }
        }
        return best?.quality ?? 0
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
