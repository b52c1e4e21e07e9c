import NIOCore
import NIOHTTP1

/// Gives HTTP/1.0 clients the connection handling they expect, which is lost once requests become `HTTPRequest`
/// values (they carry no version): a 1.0 request without `Connection: keep-alive` gets its connection closed after
/// the answer, and one with it gets `Connection: keep-alive` back. Without this, a 1.0 client such as
/// ApacheBench (`ab`) waits for a close that only the idle timeout brings. A 1.0 request's `Expect: 100-continue`
/// is dropped, so no `100 Continue` is sent: RFC 9110 §10.1.1 has a server ignore it from HTTP/1.0, which has no
/// 1xx answers.
///
/// Sits before the HTTP/1 ↔ HTTP types codec, where the version is still known (`BerthHTTP1Channel`).
final class HTTP10ConnectionHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// For each request not yet answered, in order: whether its answer must say `Connection: keep-alive`.
    private var answersToMarkKeepAlive = CircularBuffer<Bool>()

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(var head) = unwrapInboundIn(data) else {
            context.fireChannelRead(data)
            return
        }
        let isHTTP10 = head.version == .http1_0
        answersToMarkKeepAlive.append(isHTTP10 && head.isKeepAlive)
        guard isHTTP10 else {
            // An HTTP/1.1 head goes on as it came, not wrapped again.
            context.fireChannelRead(data)
            return
        }
        if !head.isKeepAlive {
            // Hummingbird closes the connection after answering a request that says so.
            head.headers.replaceOrAdd(name: "connection", value: "close")
        }
        head.headers.remove(name: "expect")
        context.fireChannelRead(wrapInboundOut(.head(head)))
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), head.status.code >= 200,
              let markKeepAlive = answersToMarkKeepAlive.popFirst(), markKeepAlive else {
            context.write(data, promise: promise)
            return
        }
        head.headers.replaceOrAdd(name: "connection", value: "keep-alive")
        context.write(wrapOutboundOut(.head(head)), promise: promise)
    }
}
