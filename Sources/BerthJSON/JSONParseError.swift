/// Why a JSON or UBJSON document could not be read, with the byte offset where reading stopped.
public struct JSONParseError: Error, Sendable, Equatable, CustomStringConvertible {
    public let reason: String
    public let offset: Int

    public init(_ reason: String, at offset: Int) {
        self.reason = reason
        self.offset = offset
    }

    /// The reason given when a complete value is followed by more content (a JSON Lines body, for one).
    public static let contentAfterValue = "unexpected content after the JSON value"

    public var description: String { "\(reason) at byte \(offset)" }
}
