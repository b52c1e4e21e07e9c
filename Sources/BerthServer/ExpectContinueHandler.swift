import BerthCodecs
import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue`, so clients that ask first (curl does for bodies over
/// 1 MiB) send their body at once instead of waiting a second for a reply that Hummingbird never sends.
///
/// A request its headers already refuse gets no `100 Continue`, so a well-behaved client never uploads its body
/// (RFC 9110 §10.1.1): a body whose `Content-Length` is over the limit (the route then answers 413), and an
/// invocation whose Content-Type (415) or Accept (406) `InvocationHeaders` refuses.
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maxBodyBytes: Int?
    private let defaultAccept: ResponseFormat

    init(maxBodyBytes: Int?, defaultAccept: ResponseFormat) {
        self.maxBodyBytes = maxBodyBytes
        self.defaultAccept = defaultAccept
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data),
           request.headerFields[.expect]?.lowercased() == "100-continue",
           !declaresTooLargeABody(request), !isAnInvocationItsHeadersRefuse(request) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }

    /// `POST /invocations` or `POST /models/{name}/invoke` with a Content-Type or Accept it cannot take.
    private func isAnInvocationItsHeadersRefuse(_ request: HTTPRequest) -> Bool {
        guard request.method == .post, let target = request.path else { return false }
        let path = target.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard InvocationRoute.matches(path) else { return false }
        return (try? InvocationHeaders(contentType: request.headerFields[.contentType], accept: request.headerFields[.accept],
                                       defaultAccept: defaultAccept)) == nil
    }

    private func declaresTooLargeABody(_ request: HTTPRequest) -> Bool {
        guard let limit = maxBodyBytes, let length = request.headerFields[.contentLength].flatMap({ Int($0) }) else {
            return false
        }
        return length > limit
    }
}
