import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Answers `Expect: 100-continue` with `100 Continue`, so clients that ask first (curl does for bodies over
/// 1 MiB) send their body at once instead of waiting a second for a reply that Hummingbird never sends.
///
/// A body whose `Content-Length` is already over the limit gets no `100 Continue`: the route then answers 413
/// and a well-behaved client never uploads it (RFC 9110 §10.1.1).
final class ExpectContinueHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let maxBodyBytes: Int?

    init(maxBodyBytes: Int?) {
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        if case .head(let request) = unwrapInboundIn(data),
           request.headerFields[.expect]?.lowercased() == "100-continue",
           !declaresTooLargeABody(request) {
            context.writeAndFlush(wrapOutboundOut(.head(HTTPResponse(status: .continue))), promise: nil)
        }
        context.fireChannelRead(data)
    }

    private func declaresTooLargeABody(_ request: HTTPRequest) -> Bool {
        guard let limit = maxBodyBytes, let length = request.headerFields[.contentLength].flatMap({ Int($0) }) else {
            return false
        }
        return length > limit
    }
}
