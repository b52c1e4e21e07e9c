import HTTPTypes
import NIOCore
import NIOHTTP1

/// Answers a request HTTP/1.1 cannot parse with a status and a line that say what was wrong, and counts it — where
/// Hummingbird answers an empty 400 that no metric sees: 431 for a header section (the URL included) past the
/// parser's 80 KiB, 400 naming the parse error otherwise. The connection closes after it, as it must: the parser
/// cannot find where the next request would start. An error inside a body is left to the route reading it.
///
/// Sits between NIO's HTTP/1 decoder and the codec to HTTP types (`BerthHTTP1Channel`); the parse error it answers
/// goes no further.
final class ParserErrorResponder: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: ServerMetrics
    /// An answer has begun and not ended: nothing else may be written before its end.
    private var answering = false
    /// A request's head has been read and not its end: a parse error now is in its body, which the route reading
    /// the body answers (`RequestBody`), naming the broken framing.
    private var readingBody = false

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: readingBody = true
        case .end: readingBody = false
        case .body: break
        }
        context.fireChannelRead(data)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(let head) where head.status.code >= 200: answering = true
        case .end: answering = false
        default: break
        }
        context.write(data, promise: promise)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let parserError = error as? HTTPParserError, !readingBody else {
            context.fireErrorCaught(error)
            return
        }
        let started = metrics.requestStarted()
        let (status, message): (HTTPResponseStatus, String) = switch parserError {
        case .headerOverflow:
            (.requestHeaderFieldsTooLarge, """
                the request's header section, its URL included, is larger than the 80 KiB Berth reads: send fewer or \
                shorter header fields, and the rows in the body
                """)
        default:
            (.badRequest, "the request is not valid HTTP/1.1 (\(parserError)): send a request line, header fields and a body framed by Content-Length or chunked")
        }
        metrics.recordRequest(path: "unmatched", status: Int(status.code), duration: ContinuousClock.now - started,
                              refusal: RefusalReason(status: .init(code: Int(status.code))))
        guard !answering else {
            context.close(promise: nil)
            return
        }
        let body = ByteBuffer(string: message + "\n")
        let headers = HTTPHeaders([("Connection", "close"), ("Content-Type", "text/plain; charset=utf-8"),
                                   ("Content-Length", String(body.readableBytes))])
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers))), promise: nil)
        context.write(wrapOutboundOut(.body(.byteBuffer(body))), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in context.close(promise: nil) }
    }
}
