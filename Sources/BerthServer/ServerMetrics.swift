import BerthRuntime
import CoreMetrics
import Hummingbird
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

    /// The HTTP series made so far. A handful of routes and statuses ever occur, so a short list searched in order
    /// (route templates are short strings, compared without hashing) beats a dictionary; each series is made once,
    /// since a lookup in the registry takes its lock and allocates the labels.
    fileprivate struct Handles {
        var requests = [(path: String, status: Int, counter: CoreMetrics.Counter)]()
        var durations = [(path: String, recorder: Recorder)]()
        var refusals = [RefusalReason: CoreMetrics.Counter]()
    }

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        factory.valueHistogramBuckets = Dictionary(uniqueKeysWithValues:
            RuntimeMetrics.rowHistograms.map { ($0, RuntimeMetrics.rowBuckets) } + RuntimeMetrics.durationHistograms.map { ($0, RuntimeMetrics.durationBuckets) })
        self.factory = factory
        runtime = RuntimeMetrics(factory: factory)
        inFlight = Meter(label: "berth_http_requests_in_flight", factory: factory)
    }

    /// A request arrived: `berth_http_requests_in_flight` counts it until `recordRequest`. Returns when it arrived.
    func requestStarted() -> ContinuousClock.Instant {
        inFlight.increment()
        return .now
    }

    /// Records the answer to a request that arrived at `started` on the route `path`, and removes the refusal
    /// reason its handler tagged it with.
    func answered(_ path: String, since started: ContinuousClock.Instant, _ response: Response) -> Response {
        var response = response
        let refusal = response.headers.value(of: .berthRefusalReason).flatMap(RefusalReason.init(rawValue:))
        if refusal != nil { response.headers[.berthRefusalReason] = nil }
        recordRequest(path: path, status: response.status.code, duration: ContinuousClock.now - started, refusal: refusal)
        return response
    }

    /// One answered request: `berth_http_requests_total{path, status}` and `berth_http_request_duration_seconds{path}`,
    /// and `berth_refusals_total{reason}` when it was refused.
    func recordRequest(path: String, status: Int, duration: Duration, refusal: RefusalReason?) {
        let (requests, timer, refusals) = handles.withLockedValue { handles in
            (handles.counter(path: path, status: status, factory: factory), handles.duration(path: path, factory: factory),
             refusal.map { handles.counter(refusal: $0, factory: factory) })
        }
        inFlight.decrement()
        requests.increment()
        timer.record(duration)
        refusals?.increment()
    }
}

extension ServerMetrics.Handles {
    mutating func counter(path: String, status: Int, factory: PrometheusMetricsFactory) -> CoreMetrics.Counter {
        if let found = requests.first(where: { $0.status == status && $0.path == path }) { return found.counter }
        let counter = CoreMetrics.Counter(label: "berth_http_requests_total", dimensions: [("path", path), ("status", String(status))],
                                          factory: factory)
        requests.append((path, status, counter))
        return counter
    }

    mutating func duration(path: String, factory: PrometheusMetricsFactory) -> Recorder {
        if let found = durations.first(where: { $0.path == path }) { return found.recorder }
        let recorder = Recorder(label: "berth_http_request_duration_seconds", dimensions: [("path", path)], factory: factory)
        durations.append((path, recorder))
        return recorder
    }

    mutating func counter(refusal: RefusalReason, factory: PrometheusMetricsFactory) -> CoreMetrics.Counter {
        if let found = refusals[refusal] { return found }
        let counter = CoreMetrics.Counter(label: "berth_refusals_total", dimensions: [("reason", refusal.rawValue)], factory: factory)
        refusals[refusal] = counter
        return counter
    }
}
