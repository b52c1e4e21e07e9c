/// A request the Open Inference Protocol routes refuse: answered as the protocol's `{"error": "…"}` with this
/// status, and a message that says what to fix.
public struct OpenInferenceError: Error, Sendable, Equatable {
    /// 400 for a request that cannot be read, 404 for a model or version this server does not serve.
    public enum Kind: Sendable, Equatable {
        case badRequest
        case notFound
    }

    public let kind: Kind
    public let message: String

    public init(_ kind: Kind, _ message: String) {
        self.kind = kind
        self.message = message
    }

    static func bad(_ message: String) -> OpenInferenceError {
        OpenInferenceError(.badRequest, message)
    }
}
