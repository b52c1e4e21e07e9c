import BerthRuntime
import CoreMetrics
import NIOConcurrencyHelpers
import Prometheus

/// One server's metrics: a Prometheus registry of its own (so two servers in one process, as in the tests, never
/// mix their counts), the swift-metrics factory writing into it with Berth's histogram buckets, the runtime's
/// measurements made from that factory, and the HTTP measurements (docs/observability.md lists them all).
public final class ServerMetrics: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory
    public let runtime: RuntimeMetrics
    private let inFlight: Meter
    private let handles = NIOLockedValueBox(Handles())

    /// The HTTP series made so far, by route template and status: made once, since a lookup in the registry takes
    /// its lock and allocates the labels.
    private struct Handles {
        var requests = [RequestKey: CoreMetrics.Counter]()
        var durations = [String: CoreMetrics.Timer]()
        var refusals = [RefusalReason: CoreMetrics.Counter]()
    }

    private struct RequestKey: Hashable {
        let path: String
        let status: Int
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.defaultDurationHistogramBuckets = RuntimeMetrics.durationBuckets
        factory.valueHistogramBuckets = Dictionary(uniqueKeysWithValues: RuntimeMetrics.rowHistograms.map { ($0, RuntimeMetrics.rowBuckets) })
        self.factory = factory
        runtime = RuntimeMetrics(factory: factory)
        inFlight = Meter(label: "berth_http_requests_in_flight", factory: factory)
    }

    /// A request arrived: `berth_http_requests_in_flight` counts it until `recordRequest`.
    func requestStarted() {
        inFlight.increment()
    }

    /// One answered request: `berth_http_requests_total{path, status}` and `berth_http_request_duration_seconds{path}`,
    /// and `berth_refusals_total{reason}` when it was refused.
    func recordRequest(path: String, status: Int, duration: Duration, refusal: RefusalReason?) {
        let (requests, timer, refusals) = handles.withLockedValue { handles in
            let key = RequestKey(path: path, status: status)
            let requests = handles.requests[key] ?? CoreMetrics.Counter(label: "berth_http_requests_total",
                                                             dimensions: [("path", path), ("status", String(status))], factory: factory)
            handles.requests[key] = requests
            let timer = handles.durations[path] ?? CoreMetrics.Timer(label: "berth_http_request_duration_seconds", dimensions: [("path", path)],
                                                           factory: factory)
            handles.durations[path] = timer
            var refusals: CoreMetrics.Counter?
            if let refusal {
                refusals = handles.refusals[refusal] ?? CoreMetrics.Counter(label: "berth_refusals_total", dimensions: [("reason", refusal.rawValue)],
                                                                 factory: factory)
                handles.refusals[refusal] = refusals
            }
            return (requests, timer, refusals)
        }
        inFlight.decrement()
        requests.increment()
        timer.recordNanoseconds(duration.components.seconds * 1_000_000_000 + duration.components.attoseconds / 1_000_000_000)
        refusals?.increment()
    }
}
