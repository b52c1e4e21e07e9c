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
        let openMetrics = accept?.lowercased().contains("application/openmetrics-text") == true
        let body = openMetrics ? OpenMetricsText.convert(prometheus: text) : text
        return Response(status: .ok, headers: [.contentType: openMetrics ? openMetricsContentType : prometheusContentType],
                        body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
