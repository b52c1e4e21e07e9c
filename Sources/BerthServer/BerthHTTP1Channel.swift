import Hummingbird
import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypesHTTP1

/// Hummingbird's HTTP/1 child channel with `HTTP10ConnectionHandler` added where HTTP versions are still visible,
/// and `ParserErrorResponder` after it, both before the codec that turns HTTP/1 parts into HTTP types.
struct BerthHTTP1Channel: ServerChildChannel {
    let http1: HTTP1Channel
    let metrics: ServerMetrics

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<HTTP1Channel.Value> {
        http1.setup(channel: channel, logger: logger).flatMapThrowing { value in
            let pipeline = channel.pipeline.syncOperations
            let codec = try pipeline.handler(type: HTTP1ToHTTPServerCodec.self)
            try pipeline.addHandler(HTTP10ConnectionHandler(), position: .before(codec))
            try pipeline.addHandler(ParserErrorResponder(metrics: metrics), position: .before(codec))
            return value
        }
    }

    func handle(value: HTTP1Channel.Value, logger: Logger) async {
        await http1.handle(value: value, logger: logger)
    }
}

extension HTTPServerBuilder {
    /// `.http1(configuration:)` with HTTP/1.0 connection handling and parse errors answered and counted
    /// (`BerthHTTP1Channel`).
    static func berthHTTP1(configuration: HTTP1Channel.Configuration, metrics: ServerMetrics) -> HTTPServerBuilder {
        .init { responder in BerthHTTP1Channel(http1: HTTP1Channel(responder: responder, configuration: configuration), metrics: metrics) }
    }
}
