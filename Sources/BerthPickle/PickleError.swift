/// Why a stream cannot be read as a pickle: malformed, truncated, over a limit, or asking for something Berth
/// will not do (persistent IDs, the extension registry, out-of-band buffers).
public struct PickleError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The byte offset of the opcode that failed.
    public let offset: Int
    public let reason: String

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }

    public var description: String { "at byte \(offset): \(reason)" }
}
