/// Why a request cannot be answered as asked: the status it deserves and a message a person can act on.
///
/// Codecs know nothing about HTTP, but they know which of the three client mistakes happened; the server maps
/// each kind to its status code (415, 406, 400).
public struct CodecError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: Sendable, Equatable {
        /// The Content-Type is not one Berth reads (HTTP 415).
        case unsupportedContentType
        /// No type in Accept is one Berth writes (HTTP 406).
        case notAcceptable
        /// The body does not parse as its Content-Type or does not fit the model (HTTP 400).
        case badRequest
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    public var description: String { message }

    static func bad(_ message: String) -> CodecError { CodecError(.badRequest, message) }

    /// The 400 for an infinite feature value at `place` ("line 25, column 3"), which every format refuses as
    /// xgboost does; `keptDoubles` when the model reads doubles (then only a value infinite as a double is one).
    public static func infiniteValue(at place: String, keptDoubles: Bool) -> CodecError {
        .bad("""
            \(place) is infinite\(keptDoubles ? "" : " (or beyond a float32)"), and Berth refuses infinite inputs (xgboost \
            does): send a finite number, or a missing value (null in JSON, NaN in NPY and RecordIO, an index left out in \
            libsvm, an empty field in CSV)
            """)
    }
}

/// A short, printable quote of request bytes for an error message: never more than 24 characters, never a
/// control character (error bodies must not echo raw request bytes).
func excerpt(_ bytes: some Collection<UInt8>) -> String {
    var text = ""
    for byte in bytes.prefix(24) {
        text += (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "?"
    }
    return bytes.count > 24 ? text + "…" : text
}
