import BerthCodecs
import Hummingbird

/// A request Berth will not answer with predictions: the status and a message that says what to fix.
///
/// The message goes into a short `text/plain` body, which SageMaker shows callers as `OriginalMessage`
/// (INV-7), and which local mode may write into a batch output file in place of a prediction (CLIENT-8).
/// It never holds a stack trace, a server path or more than a short quoted excerpt of the request.
struct InvocationFailure: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    init(_ error: CodecError) {
        switch error.kind {
        case .unsupportedContentType: self.init(.unsupportedMediaType, error.message)
        case .notAcceptable: self.init(.notAcceptable, error.message)
        case .badRequest: self.init(.badRequest, error.message)
        }
    }

    var response: Response {
        var body = ByteBuffer()
        body.writeString(message)
        body.writeString("\n")
        return Response(status: status, headers: [.contentType: "text/plain"], body: .init(byteBuffer: body))
    }
}
