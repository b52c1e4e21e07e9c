import BerthJSON
import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /metrics` after known traffic: exact counts for every metric the traffic touches, label values from fixed
/// sets only, and both exposition formats.
@Suite final class MetricsTests {
    static let legacy = Fixtures.root + "/xgboost-binary-legacy"
    /// `sha256sum xgboost-model` of the legacy fixture.
    static let legacyDigest = "795854c441450489cf0d4ff8dba47c98313e858595930c0074786ed4ac7e8535"
    let root = NSTemporaryDirectory() + "berth-metrics-" + UUID().uuidString

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// The samples of a Prometheus text exposition: `name{labels}` (as written) → value.
    static func samples(_ text: String) -> [String: Double] {
        var samples = [String: Double]()
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { continue }
            samples[String(line[..<space])] = value
        }
        return samples
    }

    static func scrape(_ client: some TestClientProtocol, accept: String? = nil) async throws -> (String, TestResponse) {
        var headers = HTTPFields()
        if let accept { headers[.accept] = accept }
        let response = try await client.execute(uri: "/metrics", method: .get, headers: headers)
        return (String(buffer: response.body), response)
    }

    static func csv(_ client: some TestClientProtocol, _ body: String, contentType: String = "text/csv") async throws -> HTTPResponse.Status {
        try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: contentType], body: ByteBuffer(string: body)).status
    }

    /// The series the single-model traffic of `knownTrafficGivesExactCounts` must leave, and their values.
    static let singleModelExpectations: [String: Double] = [
        #"berth_http_requests_total{path="/invocations",status="200"}"#: 3,
        #"berth_http_requests_total{path="/invocations",status="415"}"#: 1,
        #"berth_http_requests_total{path="/invocations",status="400"}"#: 2,
        #"berth_http_requests_total{path="unmatched",status="404"}"#: 1,
        #"berth_http_request_duration_seconds_count{path="/invocations"}"#: 6,
        #"berth_refusals_total{reason="unsupported_content_type"}"#: 1,
        #"berth_refusals_total{reason="empty_body"}"#: 1,
        #"berth_refusals_total{reason="malformed_body"}"#: 1,
        #"berth_refusals_total{reason="wrong_route"}"#: 1,
        "berth_request_rows_count": 3, "berth_request_rows_sum": 6,
        "berth_kernel_call_rows_count": 3, "berth_kernel_call_rows_sum": 6,
        // The body with 2 values a row is decoded (and timed) before it is refused.
        #"berth_stage_duration_seconds_count{stage="decode"}"#: 4,
        // A tree model is served without batching by default (CompiledModel.gainsFromJoinedCalls): nothing queues.
        #"berth_stage_duration_seconds_count{stage="queue"}"#: 0,
        #"berth_stage_duration_seconds_count{stage="predict"}"#: 3,
        #"berth_stage_duration_seconds_count{stage="encode"}"#: 3,
        #"berth_request_rows_bucket{le="1.0"}"#: 0, #"berth_request_rows_bucket{le="4.0"}"#: 3,
        #"berth_model_loads_total{result="success"}"#: 1, #"berth_model_loads_total{result="failure"}"#: 0,
        "berth_model_load_duration_seconds_count": 1,
        // The scrape itself is in flight while the exposition is written.
        "berth_http_requests_in_flight": 1,
        #"berth_model_info{format="XGBoost legacy binary",writer="xgboost 1.7",sha256="\#(MetricsTests.legacyDigest)",objective="binary:logistic",placement="cpu"}"#: 1,
    ]

    /// The series the multi-model traffic of `multiModelLabelsNeverCarryModelNames` must leave.
    static func multiModelExpectations(budget: Int) -> [String: Double] {
        [
            #"berth_http_requests_total{path="/models",status="200"}"#: 3,
            #"berth_http_requests_total{path="/models/{name}/invoke",status="200"}"#: 3,
            #"berth_http_requests_total{path="/models/{name}/invoke",status="404"}"#: 1,
            #"berth_http_requests_total{path="/models/{name}",status="200"}"#: 1,
            #"berth_refusals_total{reason="model_not_loaded"}"#: 1,
            #"berth_model_loads_total{result="success"}"#: 3,
            "berth_model_evictions_total": 1, "berth_model_unloads_total": 1,
            "berth_models_loaded": 1, "berth_models_memory_budget_bytes": Double(budget),
            "berth_request_rows_count": 3, "berth_request_rows_sum": 72,
        ]
    }

    @Test func knownTrafficGivesExactCounts() async throws {
        try await TestServer.run(modelDirectory: Self.legacy + "/model") { client in try await Self.sendKnownTrafficAndCheck(client) }
    }

    static func sendKnownTrafficAndCheck(_ client: some TestClientProtocol) async throws {
        let row = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2"
        for _ in 0..<3 { #expect(try await Self.csv(client, row + "\n" + row + "\n") == .ok) }
        #expect(try await Self.csv(client, row, contentType: "text/plain") == .unsupportedMediaType)
        #expect(try await Self.csv(client, "") == .badRequest)
        #expect(try await Self.csv(client, "1,2\n") == .badRequest)
        #expect(try await client.execute(uri: "/nowhere", method: .get).status == .notFound)
        let (text, response) = try await Self.scrape(client)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == MetricsEndpoint.prometheusContentType)
        let samples = Self.samples(text)
        let expected = Self.singleModelExpectations
        for (series, value) in expected.sorted(by: { $0.key < $1.key }) {
            #expect(samples[series] == value, "\(series): \(samples[series].map { "\($0)" } ?? "missing")")
        }
        #expect(!samples.keys.contains { $0.hasPrefix("berth_models_loaded") }, "multi-model metrics only on multi-model endpoints")
        let (again, _) = try await Self.scrape(client)
        #expect(Self.samples(again)[#"berth_http_requests_total{path="/metrics",status="200"}"#] == 1, "a scrape counts once answered")
    }

    @Test func openMetricsWhenTheScraperAsks() async throws {
        try await TestServer.run(modelDirectory: Self.legacy + "/model") { client in
            #expect(try await Self.csv(client, "1,2,3,4,5,6,7,8,9,10,11,12") == .ok)
            let (text, response) = try await Self.scrape(client, accept: "application/openmetrics-text;version=1.0.0,text/plain;version=0.0.4;q=0.5")
            #expect(response.headers[.contentType] == MetricsEndpoint.openMetricsContentType)
            #expect(text.hasSuffix("# EOF\n"))
            #expect(text.contains("# TYPE berth_http_requests counter\n"))
            #expect(!text.contains("# TYPE berth_http_requests_total"))
            #expect(Self.samples(text)[#"berth_http_requests_total{path="/invocations",status="200"}"#] == 1)
        }
    }

    /// Open Inference infer requests count their rows and time their decode and encode, as `/invocations` does, so
    /// "requests per kernel call" stays a ratio of like things.
    @Test func openInferenceRequestsAreMeasuredLikeInvocations() async throws {
        try await TestServer.run(modelDirectory: Self.legacy + "/model") { client in
            let body = #"{"inputs": [{"name": "x", "shape": [2, 12], "datatype": "FP32", "data": [\#((0..<24).map(String.init).joined(separator: ", "))]}]}"#
            for _ in 0..<2 {
                let response = try await client.execute(uri: "/v2/models/model/infer", method: .post, headers: [.contentType: "application/json"],
                                                         body: ByteBuffer(string: body))
                #expect(response.status == .ok, "\(String(buffer: response.body))")
            }
            let samples = Self.samples(try await Self.scrape(client).0)
            for (series, value) in ["berth_request_rows_count": 2.0, "berth_request_rows_sum": 4, "berth_kernel_call_rows_sum": 4,
                                    #"berth_stage_duration_seconds_count{stage="decode"}"#: 2,
                                    #"berth_stage_duration_seconds_count{stage="encode"}"#: 2] {
                #expect(samples[series] == value, "\(series): \(samples[series] ?? -1)")
            }
        }
    }

    /// The format is the first of the two the scraper's `Accept` takes by its `q` values: Prometheus's own header
    /// gets OpenMetrics, one that refuses it (`q=0`) or ranks text/plain higher does not.
    @Test func theAcceptHeadersQValuesPickTheFormat() {
        let cases: [(String, Bool)] = [
            ("application/openmetrics-text;version=1.0.0;q=0.5,text/plain;version=0.0.4;q=0.4,*/*;q=0.1", true),
            ("application/openmetrics-text;q=0, text/plain", false),
            ("text/plain;q=1, application/openmetrics-text;q=0.1", false),
            ("image/png, application/openmetrics-text", true),
            ("*/*", false),
        ]
        for (accept, openMetrics) in cases { #expect(MetricsEndpoint.wantsOpenMetrics(accept) == openMetrics, "\(accept)") }
    }

    @Test func aFailedLoadShowsInTheMetrics() async throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try Data("not a model".utf8).write(to: URL(fileURLWithPath: root + "/notes.txt"))
        try await TestServer.run(modelDirectory: root, expectReady: false) { client in
            #expect(try await Self.csv(client, "1") == .internalServerError)
            let (text, response) = try await Self.scrape(client)
            #expect(response.status == .ok)
            let samples = Self.samples(text)
            #expect(samples[#"berth_model_loads_total{result="failure"}"#] == 1)
            #expect(samples[#"berth_refusals_total{reason="model_failed"}"#] == 1)
            #expect(!text.contains("berth_model_info{"))
        }
    }

    /// Thousands of models must not mean thousands of series: no label carries a model's name or a raw path.
    @Test func multiModelLabelsNeverCarryModelNames() async throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let names = ["alpha-model-7f3a", "beta-model-91c2", "gamma-model-0d4e"]
        for name in names {
            try FileManager.default.copyItem(atPath: Self.legacy + "/model", toPath: root + "/" + name)
        }
        let root = self.root
        let budget = 80_000  // two of the 33,484-byte models fit; the third load evicts the first
        try await TestServer.run(modelDirectory: "/nonexistent", environment: ["SAGEMAKER_MULTI_MODEL": "true"], configure: {
            $0.multiModel.modelsRoot = root
            $0.multiModel.memoryBudgetBytes = budget
        }) { client in
            for name in names {
                #expect(try await MultiModelTests.load(client, name, url: root + "/" + name).status == .ok)
                #expect(try await MultiModelTests.invoke(client, name).status == .ok)
            }
            #expect(try await client.execute(uri: "/models/\(names[2])", method: .delete).status == .ok)
            #expect(try await MultiModelTests.invoke(client, "never-loaded").status == .notFound)
            let (text, _) = try await Self.scrape(client)
            for name in names + ["never-loaded"] { #expect(!text.contains(name), "\(name) appears in the metrics") }
            let samples = Self.samples(text)
            let expected = Self.multiModelExpectations(budget: budget)
            for (series, value) in expected.sorted(by: { $0.key < $1.key }) {
                #expect(samples[series] == value, "\(series): \(samples[series].map { "\($0)" } ?? "missing")")
            }
            #expect(samples["berth_models_memory_bytes"].map { $0 > 0 && $0 <= Double(budget) } == true)
            #expect(!text.contains("berth_model_info{"), "no per-model info series on a multi-model endpoint")
        }
    }
}
