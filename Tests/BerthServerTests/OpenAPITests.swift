import BerthJSON
import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /openapi.json` describes the server as configured (its mode's routes, every content type, the selection in
/// force, the model's facts), and `GET /docs` serves the Swagger UI page with its URL escaped.
@Suite final class OpenAPITests {
    static func document(_ client: some TestClientProtocol) async throws -> JSONValue {
        let response = try await client.execute(uri: "/openapi.json", method: .get)
        #expect(response.status == .ok)
        #expect(response.headers[.contentType] == "application/json")
        return try JSONReader.parse(Array(buffer: response.body))
    }

    @Test func aReadyClassifierIsDescribedWithItsFactsAndSelection() async throws {
        let folder = Fixtures.root + "/xgboost-multiclass-selectable-batch"
        try await TestServer.run(modelDirectory: folder + "/model", environment: ["SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probabilities"]) { client in
            let document = try await Self.document(client)
            #expect(document["openapi"]?.string == "3.1.0")
            let paths = try #require(document["paths"]?.object)
            let openInference = ["/v2", "/v2/health/live", "/v2/health/ready"] + ["/v2/models/{name}", "/v2/models/{name}/versions/{version}"]
                .flatMap { [$0, $0 + "/ready", $0 + "/infer"] }
            #expect(Set(paths.keys) == Set(["/ping", "/invocations", "/execution-parameters", "/metrics", "/openapi.json", "/docs"] + openInference))
            let infer = try #require(document["paths"]?["/v2/models/{name}/infer"]?["post"])
            #expect(infer["requestBody"]?["content"]?["application/json"]?["schema"]?["properties"]?["inputs"] != nil)
            #expect(infer["responses"]?["400"]?["content"]?["application/json"] != nil)
            for path in ["/v2/models/{name}", "/v2/models/{name}/ready", "/v2/models/{name}/infer"] {
                let operation = document["paths"]?[path]?["get"] ?? document["paths"]?[path]?["post"]
                #expect(operation?["responses"]?["503"] != nil && operation?["responses"]?["500"] != nil, "\(path) says it can be unavailable")
            }
            #expect(document["paths"]?["/ping"]?["head"] != nil)
            #expect(document["paths"]?["/metrics"]?["get"]?["responses"]?["200"]?["content"]?["application/openmetrics-text"] != nil)
            let invocation = try #require(document["paths"]?["/invocations"]?["post"])
            let requestTypes = Set(invocation["requestBody"]?["content"]?.object?.keys.map { $0 } ?? [])
            #expect(requestTypes == ["text/csv", "application/json", "application/jsonlines", "text/libsvm",
                                     "application/x-recordio-protobuf", "application/x-npy", "application/vnd.sagemaker-triton.binary+json"])
            let ok = try #require(invocation["responses"]?["200"]?["content"])
            #expect(Set(ok.object?.keys.map { $0 } ?? []) == ["text/csv", "application/json", "application/jsonlines",
                                                               "application/x-recordio-protobuf", "application/x-npy"])
            let keys = ok["application/json"]?["schema"]?["properties"]?["predictions"]?["items"]?["required"]?.array?.compactMap(\.string)
            #expect(keys == ["predicted_label", "probabilities"], "the selection in force names the JSON keys")
            for status in ["400", "406", "413", "415", "503"] { #expect(invocation["responses"]?[status] != nil, "\(status)") }
            let manifest = try TestServer.manifest("xgboost-multiclass-selectable-batch")
            let facts = try #require(document["info"]?["x-berth-model"])
            #expect(facts["features"]?.number == manifest["features"]?.number)
            #expect(facts["sha256"]?.string?.count == 64)
            #expect(facts["classes"]?.array?.count == Int(facts["outputs"]?.number ?? -1))
            #expect(facts["selectedOutputs"]?.array?.compactMap(\.string) == ["predicted_label", "probabilities"])
            let example = invocation["requestBody"]?["content"]?["text/csv"]?["example"]?.string
            #expect(example?.split(separator: ",").count == Int(manifest["features"]?.number ?? 0), "the example row has the model's width")
        }
    }

    /// A model whose file names its features and records its categories describes named records (with each
    /// category as an `enum`), `dataframe_split` and the CSV header, and lists its schema among its facts.
    @Test func aModelWithASchemaDescribesNamedRequests() async throws {
        try await TestServer.run(modelDirectory: Fixtures.root + "/lightgbm-named-categorical/model") { client in
            let document = try await Self.document(client)
            let content = try #require(document["paths"]?["/invocations"]?["post"]?["requestBody"]?["content"])
            let shapes = try #require(content["application/json"]?["schema"]?["oneOf"]?.array)
            let record = try #require(shapes.first { $0["properties"]?["city"] != nil })
            #expect(record["additionalProperties"] == .bool(false))
            #expect(record["properties"]?["age"]?["type"] == ["number", "null"])
            #expect(record["properties"]?["city"]?["anyOf"]?.array?.first?["enum"] == ["São Paulo", "lima", "paris", "tokyo"])
            #expect(record["properties"]?["größe"]?["enum"] == [3, 7, 12, .null])
            #expect(shapes.contains { $0["properties"]?["dataframe_split"] != nil })
            #expect(shapes.contains { $0["properties"]?["dataframe_records"] != nil })
            #expect(content["text/csv"]?["schema"]?["description"]?.string?.contains("header=present") == true)
            let facts = try #require(document["info"]?["x-berth-model"]?["schema"]?.array)
            #expect(facts.map { $0["name"]?.string } == ["age", "city", "income", "größe", "score"])
            #expect(facts[1]["kind"] == "categorical" && facts[0]["kind"] == "numerical")
        }
    }

    @Test func aMultiModelEndpointDescribesTheModelsAPIAndNoInvocations() async throws {
        try await TestServer.run(modelDirectory: "/nonexistent", environment: ["SAGEMAKER_MULTI_MODEL": "true"]) { client in
            let document = try await Self.document(client)
            let paths = Set(document["paths"]?.object?.keys.map { $0 } ?? [])
            #expect(paths.isSuperset(of: ["/models", "/models/{name}", "/models/{name}/invoke", "/metrics"]))
            #expect(!paths.contains("/invocations"))
            #expect(document["info"]?["x-berth-model"] == nil)
            let infer = document["paths"]?["/v2/models/{name}/infer"]?["post"]?["responses"]
            #expect(infer?["503"] != nil && infer?["500"] == nil, "a multi-model endpoint answers a failed load to POST /models")
        }
    }

    /// A row wider than `OpenAPIDocument.widestDescribedRow` is not spelled out: no dense example rows, a libsvm
    /// example of a few features, no per-feature schema of unnamed columns — yet the row schemas keep the width and
    /// still take category text. (A CatBoost fixture with one categorical column moved to column 2,047, so the
    /// model is 2,048 features wide and its features no longer all named.)
    @Test func aWideModelIsDescribedWithoutSpellingOutItsRows() async throws {
        let folder = NSTemporaryDirectory() + "berth-openapi-wide-" + UUID().uuidString
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: Fixtures.root + "/catboost-one-hot-binary/model/model.json", encoding: .utf8)
            .replacing(#""flat_feature_index":3,"#, with: #""flat_feature_index":2047,"#)
        try text.write(toFile: folder + "/model.json", atomically: true, encoding: .utf8)
        try await TestServer.run(modelDirectory: folder) { client in
            let document = try await Self.document(client)
            #expect(document["info"]?["x-berth-model"]?["features"]?.number == 2_048)
            #expect(document["info"]?["x-berth-model"]?["schema"] == nil)
            let content = try #require(document["paths"]?["/invocations"]?["post"]?["requestBody"]?["content"])
            for type in ["text/csv", "application/json", "application/jsonlines"] { #expect(content[type]?["example"] == nil, "\(type)") }
            #expect(content["text/libsvm"]?["example"]?.string == "0:0.0 1:0.1 2:0.2 3:0.3 4:0.4 5:0.5 6:0.6 7:0.7")
            let rows = try #require(content["application/json"]?["schema"]?["oneOf"]?.array?.first?["properties"]?["instances"]?["items"]?["oneOf"]?.array?.first)
            #expect(rows["minItems"]?.number == 2_048 && rows["maxItems"]?.number == 2_048)
            #expect(rows["items"]?["type"] == ["number", "string", "null"])
        }
    }

    @Test func aFailedLoadStillGetsADescription() async throws {
        try await TestServer.run(modelDirectory: "/nonexistent", expectReady: false) { client in
            let document = try await Self.document(client)
            #expect(document["info"]?["description"]?.string?.contains("not ready") == true)
            #expect(document["paths"]?["/invocations"] != nil)
        }
    }

    @Test func theDocsPageLoadsSwaggerUIFromTheConfiguredPlaceEscaped() async throws {
        let folder = Fixtures.root + "/xgboost-binary-legacy/model"
        try await TestServer.run(modelDirectory: folder, environment: ["BERTH_SWAGGER_UI_URL": #"https://mirror.example/sw"agger?a=1&b=<x>/"#]) { client in
            let response = try await client.execute(uri: "/docs", method: .get)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let page = String(buffer: response.body)
            #expect(page.contains(#"<script src="https://mirror.example/sw&quot;agger?a=1&amp;b=&lt;x&gt;/swagger-ui-bundle.js"></script>"#))
            #expect(!page.contains("<x>"))
            #expect(page.contains(#"url: "openapi.json""#))
        }
    }

    @Test(arguments: ["javascript:alert(1)", "cdn.example/swagger", "https://a b"])
    func aSwaggerUIURLThatIsNotOneIsRefusedAtStart(_ value: String) {
        let error = #expect(throws: ConfigurationError.self) { try BerthConfiguration(environment: ["BERTH_SWAGGER_UI_URL": value], processorCount: 1) }
        #expect(error?.variable == "BERTH_SWAGGER_UI_URL")
    }
}
