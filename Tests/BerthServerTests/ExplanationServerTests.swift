import BerthCore
import BerthJSON
import BerthTestSupport
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `explain=` through `/invocations` (docs/explanations.md): asked per request in `X-Amzn-SageMaker-Custom-Attributes`
/// or for every request with `BERTH_EXPLAIN`; JSON and JSON Lines objects keep their keys and gain the explanation,
/// CSV and NPY answers are the explanations; the values are xgboost's (`expected/explanations.json`).
@Suite struct ExplanationServerTests {
    static let attributes = HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes")!

    /// xgboost's explanations of a fixture's `requests/rows.npy`, flattened per row.
    static func expected(_ fixture: String, _ kind: ExplanationKind) throws -> [[Double]] {
        let document = try JSONReader.parse(try TestServer.bytes(TestServer.fixtures + "/" + fixture + "/expected/explanations.json"))
        func flattened(_ value: JSONValue) -> [Double] { value.array.map { $0.flatMap(flattened) } ?? [value.number ?? .nan] }
        return try #require(document[kind.rawValue]?.array).map(flattened)
    }

    static func post(_ client: some TestClientProtocol, fixture: String, accept: String, attributes: String?) async throws -> (HTTPResponse.Status, [UInt8]) {
        var headers: HTTPFields = [.contentType: "application/x-npy", .accept: accept]
        if let attributes { headers[Self.attributes] = attributes }
        let body = try TestServer.bytes(TestServer.fixtures + "/" + fixture + "/requests/rows.npy")
        let response = try await client.execute(uri: "/invocations", method: .post, headers: headers, body: ByteBuffer(bytes: body))
        return (response.status, Array(buffer: response.body))
    }

    static func expectClose(_ got: [Double], _ want: [Double], _ label: String) {
        #expect(got.count == want.count, "\(label): \(got.count) values, xgboost has \(want.count)")
        for (index, (a, b)) in zip(got, want).enumerated() where abs(a - b) > 1e-5 * (1 + abs(b)) {
            Issue.record("\(label), value \(index): \(a) vs xgboost's \(b)")
            return
        }
    }

    /// Asks `fixture`'s server for `kind` with `attributes` and expects each JSON object to keep its usual keys and
    /// gain the library's explanation.
    static func expectObjectsGain(_ kind: ExplanationKind, _ client: some TestClientProtocol, fixture: String, attributes: String) async throws {
        let (_, plain) = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: nil)
        let plainRows = try #require(try JSONReader.parse(plain)["predictions"]?.array)
        let (status, body) = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: attributes)
        #expect(status == .ok)
        let rows = try #require(try JSONReader.parse(body)["predictions"]?.array)
        let want = try Self.expected(fixture, kind)
        #expect(rows.count == want.count)
        for (index, row) in rows.enumerated() {
            var usual = row.object ?? [:]
            let explained = usual.removeValue(forKey: kind.rawValue)
            let value = try #require(explained, "\(fixture) row \(index) has no \(kind.rawValue)")
            #expect(JSONValue.object(usual) == plainRows[index], "\(fixture): the usual keys stay as they were")
            let flat = value.array.map { $0.flatMap { $0.array ?? [$0] } } ?? [value]
            if kind == .leaves { #expect(flat.allSatisfy { $0.number.map { $0 == $0.rounded() } ?? false }, "leaves are integers") }
            Self.expectClose(flat.map { $0.number ?? .nan }, want[index], "\(fixture) \(kind) row \(index)")
        }
    }

    @Test(arguments: ["xgboost-softmax-selectable", "xgboost-regression-json-gz", "xgboost-binary-legacy", "lightgbm-multiclassova",
                      "lightgbm-regression-zero-as-missing"])
    func jsonObjectsGainTheExplanation(_ fixture: String) async throws {
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/" + fixture + "/model") { client in
            for kind in ExplanationKind.allCases {
                // Other keys are the client's own and are ignored; `;` separates entries as well as `,`.
                try await Self.expectObjectsGain(kind, client, fixture: fixture, attributes: "trace-id=abc; explain=\(kind.rawValue),other=1")
            }
        }
    }

    @Test func csvJSONLinesAndNPYCarryTheExplanations() async throws {
        let fixture = "xgboost-softmax-selectable"
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/" + fixture + "/model") { client in
            let want = try Self.expected(fixture, .contributions)
            let (_, csv) = try await Self.post(client, fixture: fixture, accept: "text/csv", attributes: "explain=contributions")
            let lines = String(decoding: csv, as: UTF8.self).split(separator: "\n")
            #expect(lines.count == want.count)
            for (index, line) in lines.enumerated() {
                Self.expectClose(line.split(separator: ",").map { Double($0) ?? .nan }, want[index], "CSV row \(index)")
            }
            let (_, jsonLines) = try await Self.post(client, fixture: fixture, accept: "application/jsonlines", attributes: "explain=margin")
            let margins = try Self.expected(fixture, .margin)
            let objects = String(decoding: jsonLines, as: UTF8.self).split(separator: "\n")
            #expect(objects.count == margins.count)
            for (index, object) in objects.enumerated() {
                let margin = try #require(try JSONReader.parse(Array(object.utf8))["margin"]?.array)
                Self.expectClose(margin.map { $0.number ?? .nan }, margins[index], "JSON Lines row \(index)")
            }
            let (_, npy) = try await Self.post(client, fixture: fixture, accept: "application/x-npy", attributes: "explain=contributions")
            let header = String(decoding: npy.prefix(128), as: UTF8.self)
            #expect(header.contains("'shape': (\(want.count), \(want[0].count))"), "\(header)")
            #expect(header.contains("<f8"))
        }
    }

    @Test func berthExplainAppliesToEveryRequestAndAHeaderOverridesIt() async throws {
        let fixture = "xgboost-regression-json-gz"
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/" + fixture + "/model", environment: ["BERTH_EXPLAIN": "margin"]) { client in
            let (_, byDefault) = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: nil)
            #expect(try JSONReader.parse(byDefault)["predictions"]?.array?.first?["margin"] != nil)
            let (_, overridden) = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: "explain=leaves")
            let first = try JSONReader.parse(overridden)["predictions"]?.array?.first
            #expect(first?["leaves"] != nil && first?["margin"] == nil)
        }
    }

    /// Explained rows are counted apart from predicted ones, by explanation.
    @Test func explainedRowsAreCounted() async throws {
        let fixture = "xgboost-regression-json-gz"
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/" + fixture + "/model") { client in
            let rows = try Self.expected(fixture, .margin).count
            _ = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: "explain=contributions")
            _ = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: "explain=contributions")
            _ = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: nil)
            // 150 rows are explained in two blocks (the first 64 rows, then the other 86) and recorded as one request.
            let csv = try TestServer.bytes(TestServer.fixtures + "/" + fixture + "/requests/rows.csv")
            let line = String(decoding: csv, as: UTF8.self).split(separator: "\n")[0]
            let long = try await client.execute(uri: "/invocations", method: .post,
                                                headers: [.contentType: "text/csv", Self.attributes: "explain=margin"],
                                                body: ByteBuffer(string: Array(repeating: String(line), count: 150).joined(separator: "\n")))
            #expect(long.status == .ok)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains("berth_explained_rows_total{explanation=\"contributions\"} \(2 * rows)"), "\(metrics.split(separator: "\n").filter { $0.contains("explained") })")
            #expect(metrics.contains("berth_explained_rows_total{explanation=\"margin\"} 150"))
            #expect(metrics.contains("berth_stage_duration_seconds_count{stage=\"explain\"} 3"))
            #expect(metrics.contains("berth_stage_duration_seconds_count{stage=\"encode\"} 4"))
        }
    }

    @Test func anUnknownExplanationIsRefusedNamingTheValidOnes() async throws {
        let fixture = "xgboost-regression-json-gz"
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/" + fixture + "/model") { client in
            let (status, body) = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: "explain=shap")
            #expect(status == .badRequest)
            let message = String(decoding: body, as: UTF8.self)
            #expect(message.contains("explain=contributions") && message.contains("explain=leaves") && message.contains("explain=margin"), "\(message)")
        }
    }

    @Test func aModelThatCannotExplainSaysSo() async throws {
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/onnx-mlp-gemm/model") { client in
            let body = try TestServer.bytes(TestServer.fixtures + "/onnx-mlp-gemm/requests/rows.csv")
            let response = try await client.execute(uri: "/invocations", method: .post,
                                                    headers: [.contentType: "text/csv", Self.attributes: "explain=contributions"],
                                                    body: ByteBuffer(bytes: body))
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body).contains("ONNX"), "\(String(buffer: response.body))")
            #expect(String(buffer: response.body).contains("does not come from one tree ensemble"), "\(String(buffer: response.body))")
        }
    }

    /// An ONNX classifier's JSON objects keep their label and probabilities and gain onnxruntime's leaves and margin
    /// (`generate_onnx_explanations.py`); its contributions are a 400 naming the covers ONNX does not record.
    @Test(arguments: ["onnx-random-forest-multiclass", "onnx-gradient-boosting-binary"])
    func onnxTreeEnsemblesExplainLeavesAndMargins(_ fixture: String) async throws {
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/" + fixture + "/model") { client in
            for kind in [ExplanationKind.leaves, .margin] {
                try await Self.expectObjectsGain(kind, client, fixture: fixture, attributes: "explain=\(kind.rawValue)")
            }
            let (status, body) = try await Self.post(client, fixture: fixture, accept: "application/json", attributes: "explain=contributions")
            #expect(status == .badRequest)
            #expect(String(decoding: body, as: UTF8.self).contains("cover"), "\(String(decoding: body, as: UTF8.self))")
        }
    }
}
