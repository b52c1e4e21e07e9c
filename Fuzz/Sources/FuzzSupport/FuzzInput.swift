/// The bytes libFuzzer hands a target, with the few choices a target draws from them.
///
/// Request decoders need a feature count and options as well as a body: they come from the first byte, so every
/// input is still a plain byte string libFuzzer can mutate and the seed corpus stays ordinary files.
public struct FuzzInput {
    public let bytes: [UInt8]

    public init(_ data: UnsafePointer<UInt8>, _ size: Int) {
        bytes = Array(UnsafeBufferPointer(start: data, count: size))
    }

    /// The feature count for a request decoder (1…64, from the low six bits of the first byte).
    public var featureCount: Int { bytes.isEmpty ? 1 : Int(bytes[0] & 0x3F) + 1 }

    /// Whether libsvm indices count from one (the top bit of the first byte).
    public var oneBasedIndices: Bool { (bytes.first ?? 0) & 0x80 != 0 }

    /// Whether the decoder keeps doubles, as for a LightGBM model (bit 6 of the first byte).
    public var keepsDoubles: Bool { (bytes.first ?? 0) & 0x40 != 0 }

    /// Everything after the first byte: the request body.
    public var body: [UInt8] { Array(bytes.dropFirst()) }
}

/// Stops the run when an error message could carry more than a short excerpt of the input back to a caller
/// (issue: no information leaks) — a finding libFuzzer then saves like a crash.
public func requireShortMessage(_ message: String, limit: Int = 2_048) {
    precondition(message.utf8.count <= limit, "error message of \(message.utf8.count) bytes: \(message.prefix(200))…")
}
