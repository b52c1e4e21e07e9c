import HTTPTypes
import NIOCore
import NIOHTTPTypes

/// Bounds how long one connection may hold the server while it sends a request body, and stops reading a body
/// the server has already answered.
///
/// Hummingbird's idle timeout restarts on every body part, so a client sending a byte a second would hold its
/// connection (and a handler waiting on the body) for as long as it likes: 500 of them are a denial of service.
/// Here the whole body must arrive within `bodyTimeout` of the request head; if it does not, the request fails
/// with `RequestDeadlineHandler.BodyTimeout` (answered 408) and the connection is closed.
///
/// The deadline is set at the head but a timer is only scheduled when a read ends with the body still to come: a
/// small request arrives whole in one read and never schedules one (scheduling and cancelling a timer for every
/// request was 1 % of the server's time on 1-row requests).
///
/// When the response starts before the request body has ended (413 from `Content-Length`, a 415 decided from
/// the headers), it says `Connection: close` and the rest of the body is never processed: after the answer the
/// server stops sending, waits `lingerTime` so the client reads the answer rather than a reset, and closes.
final class RequestDeadlineHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    /// The error the request's body stream ends with when the deadline passes.
    struct BodyTimeout: Error {}

    static let lingerTime = TimeAmount.seconds(2)

    private let bodyTimeout: TimeAmount
    /// Set once the connection is to close (deadline passed, or answered early): nothing may cancel that.
    private var closing = false
    private var timer: Scheduled<Void>?
    /// When the body being read must have ended (set at its head); nil between requests.
    private var bodyDeadline: NIODeadline?
    private var readingBody: Bool { bodyDeadline != nil }

    init(bodyTimeout: TimeAmount) {
        self.bodyTimeout = bodyTimeout
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head:
            bodyDeadline = context.eventLoop.now + bodyTimeout
        case .body:
            break
        case .end:
            bodyDeadline = nil
            if !closing { cancelTimer() }
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if !closing, timer == nil, let deadline = bodyDeadline {
            schedule(at: deadline, context: context) { handler, context in
                guard handler.readingBody else { return }
                handler.closing = true
                context.fireErrorCaught(BodyTimeout())
                handler.schedule(at: context.eventLoop.now + Self.lingerTime, context: context) { _, context in context.close(promise: nil) }
            }
        }
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard readingBody else {
            context.write(data, promise: promise)
            return
        }
        switch unwrapOutboundIn(data) {
        case .head(var response) where response.status.code >= 200:
            // Answered before the body was read: the client is told the connection will close (docs/contract.md CONN-2).
            response.headerFields[.connection] = "close"
            context.write(wrapOutboundOut(.head(response)), promise: promise)
            return
        case .head, .body:
            context.write(data, promise: promise)
            return
        case .end:
            break
        }
        // Finish the answer, send nothing more, close soon — even if the rest of the body arrives meanwhile.
        closing = true
        context.writeAndFlush(data, promise: promise)
        context.close(mode: .output, promise: nil)
        schedule(at: context.eventLoop.now + Self.lingerTime, context: context) { _, context in context.close(promise: nil) }
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelTimer()
    }

    private func schedule(at deadline: NIODeadline, context: ChannelHandlerContext,
                          _ action: @escaping (RequestDeadlineHandler, ChannelHandlerContext) -> Void) {
        cancelTimer()
        timer = context.eventLoop.assumeIsolated().scheduleTask(deadline: deadline) {
            self.timer = nil
            action(self, context)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
