import BerthCodecs
import Hummingbird
import Prometheus

/// `GET /metrics`: the server's registry in the Prometheus text format (0.0.4), or OpenMetrics 1.0 when the scraper
/// asks for it in `Accept`. Rendering reads the metrics' current values under their own locks and never waits on a
/// prediction or a model load.
enum MetricsEndpoint {
    static let prometheusContentType = "text/plain; version=0.0.4; charset=utf-8"
    static let openMetricsContentType = "application/openmetrics-text; version=1.0.0; charset=utf-8"

    static func response(_ metrics: ServerMetrics, accept: String?) -> Response {
        var text = [UInt8]()
        metrics.registry.emit(into: &text)
        let openMetrics = accept.map(wantsOpenMetrics) ?? false
        let body = openMetrics ? OpenMetricsText.convert(prometheus: text) : text
        return Response(status: .ok, headers: [.contentType: openMetrics ? openMetricsContentType : prometheusContentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }

    /// Whether OpenMetrics is the first of the two formats `accept` takes, by its `q` values (`q=0` excludes a type);
    /// anything else, or nothing it names, is the Prometheus text format.
    static func wantsOpenMetrics(_ accept: String) -> Bool {
        for range in MediaType.accepted(accept) {
            switch (range.type, range.subtype) {
            case ("application", "openmetrics-text"): return true
            case ("text", "plain"), ("text", "*"), ("*", "*"): return false
            default: continue
            }
        }
        return false
    }
}
