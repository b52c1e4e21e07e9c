import BerthJSON
@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The Open Inference Protocol's routes on a live server (docs/open-inference.md): health, metadata, readiness and
/// infer in JSON and binary tensors, answered with xgboost's own predictions for the fixture's rows, and every
/// client mistake answered in the protocol's error form.
@Suite struct OpenInferenceTests {
    static let fixture = Fixtures.root + "/xgboost-binary-legacy"
    static let headerLength = HTTPField.Name("Inference-Header-Content-Length")!

    /// The fixture's request rows (NaN where a field is empty) and xgboost's predictions for them, as text.
    static func rowsAndExpected() throws -> (rows: [[Float]], expected: [String]) {
        let csv = String(decoding: try Fixtures.bytes(fixture + "/requests/rows.csv"), as: UTF8.self)
        let rows = csv.split(separator: "\n").map { line in
            line.split(separator: ",", omittingEmptySubsequences: false).map { Float(Double($0) ?? .nan) }
        }
        let expected = String(decoding: try Fixtures.bytes(fixture + "/expected/rows.csv"), as: UTF8.self).split(separator: "\n").map(String.init)
        return (rows, expected)
    }

    static func jsonRequest(_ rows: [[Float]], extra: String = "") -> String {
        let data = rows.map { "[" + $0.map { $0.isNaN ? "NaN" : "\(Double($0))" }.joined(separator: ", ") + "]" }.joined(separator: ", ")
        return #"{"id": "r1", "inputs": [{"name": "input__0", "shape": [\#(rows.count), \#(rows[0].count)], "datatype": "FP32", "data": [\#(data)]}]\#(extra)}"#
    }

    static func json(_ response: TestResponse) throws -> JSONValue {
        try JSONReader.parse(Array(buffer: response.body))
    }

    @Test func metadataReadinessAndInferAnswerAsXGBoost() async throws {
        let (rows, expected) = try Self.rowsAndExpected()
        try await TestServer.run(modelDirectory: Self.fixture + "/model", environment: ["BERTH_MODEL_NAME": "churn"]) { client in
            #expect(try await client.execute(uri: "/v2/health/live", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/models/churn/ready", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/models/churn/versions/1/ready", method: .get).status == .ok)
            let server = try Self.json(try await client.execute(uri: "/v2", method: .get))
            #expect(server["name"]?.string == "berth")
            let metadata = try Self.json(try await client.execute(uri: "/v2/models/churn", method: .get))
            #expect(metadata["inputs"]?.array?.first?["shape"] == .array([.number(-1), .number(12)]))
            #expect(metadata["outputs"]?.array?.first?["name"]?.string == "output__0")

            let response = try await client.execute(uri: "/v2/models/churn/infer", method: .post,
                                                     headers: [.contentType: "application/json"], body: ByteBuffer(string: Self.jsonRequest(rows)))
            #expect(response.status == .ok)
            let answer = try Self.json(response)
            #expect(answer["model_name"]?.string == "churn" && answer["id"]?.string == "r1")
            let output = try #require(answer["outputs"]?.array?.first)
            #expect(output["shape"] == .array([.number(Double(rows.count)), .number(1)]))
            let printed = try #require(output["data"]?.array).map { Double(Float($0.number!)).description }
            #expect(printed == expected)
        }
    }

    /// A LightGBM model reads FP64 tensors as the doubles they hold and answers FP64: rows one double-ulp above a
    /// split threshold get LightGBM's answers, which a float32 path would not.
    @Test func aLightGBMModelReadsAndAnswersFP64() async throws {
        let folder = TestServer.fixtures + "/lightgbm-binary"
        let lines = try TestServer.bytes(folder + "/requests/rows.jsonl").split(separator: UInt8(ascii: "\n"))
        let rows = try lines.map { line in try JSONReader.parse(Array(line)).array!.map { $0.number.map { "\($0)" } ?? "null" } }
        let expected = String(decoding: try TestServer.bytes(folder + "/expected/rows.csv"), as: UTF8.self)
            .split(separator: "\n").map { Double($0)! }
        let data = rows.map { "[" + $0.joined(separator: ", ") + "]" }.joined(separator: ", ")
        let request = #"{"inputs": [{"name": "input__0", "shape": [\#(rows.count), \#(rows[0].count)], "datatype": "FP64", "data": [\#(data)]}]}"#
        try await TestServer.run(modelDirectory: folder + "/model") { client in
            let metadata = try Self.json(try await client.execute(uri: "/v2/models/model", method: .get))
            #expect(metadata["inputs"]?.array?.first?["datatype"]?.string == "FP64")
            #expect(metadata["outputs"]?.array?.first?["datatype"]?.string == "FP64")
            let response = try await client.execute(uri: "/v2/models/model/infer", method: .post,
                                                     headers: [.contentType: "application/json"], body: ByteBuffer(string: request))
            #expect(response.status == .ok)
            let output = try #require(try Self.json(response)["outputs"]?.array?.first)
            #expect(output["datatype"]?.string == "FP64")
            let answers = try #require(output["data"]?.array).map { $0.number! }
            #expect(answers.count == expected.count)
            for (got, want) in zip(answers, expected) { #expect(abs(got - want) <= 1e-9 * abs(want), "got \(got), want \(want)") }
        }
    }

    /// Triton's clients send tensors in the binary extension by default and ask for binary outputs.
    @Test func binaryTensorsInAndOut() async throws {
        let (rows, expected) = try Self.rowsAndExpected()
        try await TestServer.run(modelDirectory: Self.fixture + "/model") { client in
            var tensor = [UInt8]()
            for value in rows.joined() { withUnsafeBytes(of: value.bitPattern.littleEndian) { tensor += $0 } }
            let header = #"{"inputs": [{"name": "input__0", "shape": [\#(rows.count), 12], "datatype": "FP32", "parameters": {"binary_data_size": \#(tensor.count)}}], "outputs": [{"name": "output__0", "parameters": {"binary_data": true}}]}"#
            let response = try await client.execute(uri: "/v2/models/model/versions/1/infer", method: .post,
                                                     headers: [.contentType: "application/octet-stream", Self.headerLength: String(header.utf8.count)],
                                                     body: ByteBuffer(bytes: Array(header.utf8) + tensor))
            #expect(response.status == .ok)
            let length = try #require(response.headers[Self.headerLength].flatMap { Int($0) })
            let body = Array(buffer: response.body)
            let answer = try JSONReader.parse(body[0..<length])
            #expect(answer["outputs"]?.array?.first?["parameters"]?["binary_data_size"]?.number == Double(rows.count * 4))
            let values = stride(from: length, to: body.count, by: 4).map { offset in
                Float(bitPattern: UInt32(body[offset]) | UInt32(body[offset + 1]) << 8 | UInt32(body[offset + 2]) << 16 | UInt32(body[offset + 3]) << 24)
            }
            #expect(values.map { Double($0).description } == expected)
        }
    }

    @Test func mistakesAnswerInTheProtocolsErrorForm() async throws {
        try await TestServer.run(modelDirectory: Self.fixture + "/model") { client in
            let cases: [(String, String, HTTPResponse.Status, String)] = [
                ("/v2/models/other/infer", Self.jsonRequest([[Float](repeating: 1, count: 12)]), .notFound, "this server serves 'model'"),
                ("/v2/models/model/versions/2/infer", Self.jsonRequest([[Float](repeating: 1, count: 12)]), .notFound, "no version '2'"),
                ("/v2/models/model/infer", Self.jsonRequest([[1, 2, 3]]), .badRequest, "the model takes 12 features"),
                ("/v2/models/model/infer", "{", .badRequest, "not valid JSON"),
                // A shape is a claim the server checks, never an allocation it makes (this one once took the server down).
                ("/v2/models/model/infer", #"{"inputs": [{"name": "x", "shape": [100000000000000000, 12], "datatype": "FP32", "data": []}]}"#,
                 .badRequest, "needs 1200000000000000000"),
                ("/v2/models/model/infer", Self.jsonRequest([[Float](repeating: 1, count: 12)], extra: #", "outputs": [{"name": "label"}]"#),
                 .badRequest, "one output, 'output__0'"),
            ]
            for (path, body, status, message) in cases {
                let response = try await client.execute(uri: path, method: .post, headers: [.contentType: "application/json"],
                                                         body: ByteBuffer(string: body))
                #expect(response.status == status, "\(path)")
                #expect(response.headers[.contentType] == "application/json")
                #expect(try Self.json(response)["error"]?.string?.contains(message) == true, "\(path): \(String(buffer: response.body))")
            }
            let badLength = try await client.execute(uri: "/v2/models/model/infer", method: .post, headers: [Self.headerLength: "lots"],
                                                      body: ByteBuffer(string: "{}"))
            #expect(badLength.status == .badRequest)
            #expect(try await client.execute(uri: "/v2/models/other", method: .get).status == .notFound)
            #expect(try await client.execute(uri: "/v2/models/other/ready", method: .get).status == .notFound)
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"berth_http_requests_total{path="/v2/models/{name}/infer",status="400"} 5"#))
            #expect(metrics.contains(#"berth_refusals_total{reason="model_not_loaded"}"#))
        }
    }

    @Test func aModelThatFailedToLoadIsNotReady() async throws {
        try await TestServer.run(modelDirectory: "/nonexistent", expectReady: false) { client in
            #expect(try await client.execute(uri: "/v2/health/live", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .serviceUnavailable)
            let infer = try await client.execute(uri: "/v2/models/model/infer", method: .post,
                                                 body: ByteBuffer(string: Self.jsonRequest([[Float](repeating: 1, count: 12)])))
            #expect(infer.status.code >= 500)
            #expect(try Self.json(infer)["error"]?.string != nil)
        }
    }
}
