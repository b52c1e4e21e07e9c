import BerthCodecs
import BerthOpenInference
import Hummingbird

/// A request Berth will not answer with predictions: the status and a message that says what to fix.
///
/// The message goes into a short `text/plain` body, which SageMaker shows callers as `OriginalMessage`
/// (INV-7), and which local mode may write into a batch output file in place of a prediction (CLIENT-8).
/// It never holds a stack trace, a server path or more than a short quoted excerpt of the request.
struct InvocationFailure: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String
    /// What `berth_refusals_total` counts it as; by default what its status means.
    let reason: RefusalReason

    init(_ status: HTTPResponse.Status, _ message: String, reason: RefusalReason? = nil) {
        self.status = status
        self.message = message
        self.reason = reason ?? RefusalReason(status: status)
    }

    init(_ error: CodecError) {
        switch error.kind {
        case .unsupportedContentType: self.init(.unsupportedMediaType, error.message)
        case .notAcceptable: self.init(.notAcceptable, error.message)
        case .badRequest: self.init(.badRequest, error.message, reason: .malformedBody)
        }
    }

    /// The `text/plain` answer, tagged with the reason for `ServerMetrics.answered` (which removes the tag).
    var response: Response {
        var response = Self.plainText(status, message)
        response.headers[.berthRefusalReason] = reason.rawValue
        return response
    }

    /// The Open Inference Protocol's form of the answer: `{"error": "…"}`, tagged like `response`.
    var openInferenceResponse: Response {
        var response = Response(status: status, headers: [.contentType: "application/json"],
                                body: .init(byteBuffer: ByteBuffer(bytes: OpenInferenceMetadata.error(message))))
        response.headers[.berthRefusalReason] = reason.rawValue
        return response
    }

    init(_ error: OpenInferenceError) {
        switch error.kind {
        case .badRequest: self.init(.badRequest, error.message, reason: .malformedBody)
        case .notFound: self.init(.notFound, error.message, reason: .modelNotLoaded)
        }
    }

    /// A short `text/plain` answer: a refusal's, or `/ping`'s while no model serves (not a refusal).
    static func plainText(_ status: HTTPResponse.Status, _ message: String) -> Response {
        var body = ByteBuffer()
        body.writeString(message)
        body.writeString("\n")
        return Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: body))
    }
}
