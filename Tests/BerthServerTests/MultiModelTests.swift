import BerthCore
import BerthJSON
@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Multi-model endpoints (docs/contract.md §14) on a live server: models copied from the fixtures into a temporary
/// `BERTH_MODELS_ROOT`, loaded, listed, invoked, evicted and unloaded over HTTP.
@Suite final class MultiModelTests {
    let root = NSTemporaryDirectory() + "berth-mme-" + UUID().uuidString
    static let binary = "xgboost-binary-legacy"
    static let onnx = "onnx-random-forest-binary"
    static let lightgbm = "lightgbm-pickle-classifier-joblib"
    static let catboost = "catboost-multiclass-strings-cbm"

    init() throws {
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    /// Copies a fixture's model folder to `root/name`.
    func place(_ fixture: String, as name: String) throws {
        try FileManager.default.copyItem(atPath: Fixtures.root + "/" + fixture + "/model", toPath: root + "/" + name)
    }

    func run(budget: Int = 1 << 30, _ test: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        let root = self.root
        try await TestServer.run(modelDirectory: "/nonexistent", environment: ["SAGEMAKER_MULTI_MODEL": "True"], configure: {
            $0.multiModel.modelsRoot = root
            $0.multiModel.memoryBudgetBytes = budget
        }, test)
    }

    static func load(_ client: some TestClientProtocol, _ name: String, url: String) async throws -> TestResponse {
        try await client.execute(uri: "/models", method: .post, headers: [.contentType: "application/json"],
                                 body: ByteBuffer(string: #"{"model_name": \#(JSONText.quoted(name)), "url": \#(JSONText.quoted(url))}"#))
    }

    static func invoke(_ client: some TestClientProtocol, _ name: String, fixture: String = binary) async throws -> TestResponse {
        let body = try Fixtures.bytes(Fixtures.root + "/" + fixture + "/requests/rows.csv")
        return try await client.execute(uri: "/models/\(name)/invoke", method: .post, headers: [.contentType: "text/csv"],
                                        body: ByteBuffer(bytes: body))
    }

    static func names(_ response: TestResponse) throws -> [String] {
        try JSONReader.parse(Array(buffer: response.body))["models"]!.array!.map { $0["modelName"]!.string! }
    }

    /// Every loaded model is addressable by name through the Open Inference Protocol, answering as its invoke does.
    @Test func openInferenceRoutesServeEveryLoadedModel() async throws {
        try place(Self.binary, as: "churn")
        let root = self.root
        try await run { client in
            #expect(try await client.execute(uri: "/v2/health/ready", method: .get).status == .ok)
            #expect(try await client.execute(uri: "/v2/models/churn/ready", method: .get).status == .notFound)
            #expect(try await Self.load(client, "churn", url: root + "/churn").status == .ok)
            #expect(try await client.execute(uri: "/v2/models/churn/ready", method: .get).status == .ok)
            let row = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2"
            let infer = try await client.execute(uri: "/v2/models/churn/infer", method: .post, body: ByteBuffer(string: """
                {"inputs": [{"name": "input__0", "shape": [1, 12], "datatype": "FP32", "data": [\(row)]}]}
                """))
            #expect(infer.status == .ok)
            let invoke = try await client.execute(uri: "/models/churn/invoke", method: .post, headers: [.contentType: "text/csv"],
                                                  body: ByteBuffer(string: row))
            let answer = try JSONReader.parse(Array(buffer: infer.body))
            let value = try #require(answer["outputs"]?.array?.first?["data"]?.array?.first?.number)
            #expect(Double(Float(value)).description + "\n" == String(buffer: invoke.body))
            #expect(try await client.execute(uri: "/v2/models/other/infer", method: .post, body: ByteBuffer(string: "{}")).status == .notFound)
        }
    }

    /// `Expect: 100-continue` on a model's own invocation path, as on `/invocations` (`ExpectContinueTests`): the
    /// go-ahead for a request Berth will read, none for one its Content-Type refuses.
    @Test func aModelsInvocationAnswersExpectContinueAsInvocationsDoes() async throws {
        try place(Self.binary, as: "churn")
        let root = self.root
        let rows = try Fixtures.bytes(Fixtures.root + "/" + Self.binary + "/requests/rows.csv")
        try await run { client in
            #expect(try await Self.load(client, "churn", url: root + "/churn").status == .ok)
            for (contentType, status) in [("text/csv", "200"), ("image/png", "415")] {
                let connection = try RawConnection(port: try #require(client.port))
                connection.send("POST /models/churn/invoke HTTP/1.1\r\nHost: x\r\nContent-Type: \(contentType)\r\n"
                                + "Expect: 100-continue\r\nContent-Length: \(rows.count)\r\n\r\n")
                var answer = try await connection.readHead(within: 10)
                if status == "200" {
                    #expect(answer.hasPrefix("HTTP/1.1 100 Continue"), "\(answer)")
                    connection.send(String(decoding: rows, as: UTF8.self))
                    answer = try await connection.readHead(within: 10)
                } else {
                    #expect(!answer.contains("100 Continue"), "\(answer)")
                }
                #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(contentType): \(answer)")
            }
        }
    }

    @Test func loadListGetInvokeConflictDeleteCycle() async throws {
        try place(Self.binary, as: "churn")
        try place(Self.onnx, as: "forest")
        try place(Self.lightgbm, as: "gbm")
        try place(Self.catboost, as: "cat")
        let root = self.root
        try await run { client in
            let value1 = try await client.execute(uri: "/ping", method: .get).status
            #expect(value1 == .ok)
            let listed101 = try Self.names(try await client.execute(uri: "/models", method: .get))
            #expect(listed101 == [])
            let value2 = try await Self.load(client, "churn", url: root + "/churn").status
            #expect(value2 == .ok)
            let value3 = try await Self.load(client, "forest", url: root + "/forest").status
            #expect(value3 == .ok)
            for name in ["gbm", "cat"] { #expect(try await Self.load(client, name, url: root + "/" + name).status == .ok) }
            let listed102 = try Self.names(try await client.execute(uri: "/models", method: .get))
            #expect(listed102 == ["cat", "churn", "forest", "gbm"])
            let described = try await client.execute(uri: "/models/forest", method: .get)
            #expect(try JSONReader.parse(Array(buffer: described.body))["modelUrl"]?.string == root + "/forest")
            // LightGBM and CatBoost models answer their libraries' doubles here too (1e-9).
            for (name, fixture, tolerance) in [("churn", Self.binary, ResponseComparison.tolerance), ("forest", Self.onnx, ResponseComparison.tolerance),
                                               ("gbm", Self.lightgbm, 1e-9), ("cat", Self.catboost, 1e-9)] {
                let answer = try await Self.invoke(client, name, fixture: fixture)
                #expect(answer.status == .ok)
                ResponseComparison.expectSameText(String(buffer: answer.body),
                                                  String(decoding: try Fixtures.bytes(Fixtures.root + "/" + fixture + "/expected/rows.csv"), as: UTF8.self),
                                                  name, tolerance: tolerance)
            }
            let value4 = try await Self.load(client, "churn", url: root + "/churn").status
            #expect(value4 == .conflict)
            let value5 = try await client.execute(uri: "/models/churn", method: .delete).status
            #expect(value5 == .ok)
            let value6 = try await client.execute(uri: "/models/churn", method: .delete).status
            #expect(value6 == .notFound)
            let value7 = try await client.execute(uri: "/models/churn", method: .get).status
            #expect(value7 == .notFound)
            let value8 = try await Self.invoke(client, "churn").status
            #expect(value8 == .notFound)
            let value9 = try await Self.invoke(client, "forest", fixture: Self.onnx).status
            #expect(value9 == .ok)
        }
    }

    @Test func pagesOf100Over250Models() async throws {
        for index in 0..<250 { try place("xgboost-regression-json-gz", as: String(format: "m%03d", index)) }
        let root = self.root
        try await run { client in
            for index in 0..<250 {
                let name = String(format: "m%03d", index)
                let value10 = try await Self.load(client, name, url: root + "/" + name).status
                #expect(value10 == .ok)
            }
            var seen = [String]()
            var token: String? = nil
            var pages = 0
            repeat {
                let uri = "/models" + (token.map { "?next_page_token=\($0)" } ?? "")
                let page = try JSONReader.parse(Array(buffer: try await client.execute(uri: uri, method: .get).body))
                seen += page["models"]!.array!.map { $0["modelName"]!.string! }
                token = page["nextPageToken"]?.string
                pages += 1
            } while token != nil && pages < 10
            #expect(pages == 3)
            #expect(seen == (0..<250).map { String(format: "m%03d", $0) })
            let small = try JSONReader.parse(Array(buffer: try await client.execute(uri: "/models?limit=7", method: .get).body))
            #expect(small["models"]?.array?.count == 7)
            // The token says where a page ended: a model unloaded before the next page is asked for moves nothing.
            let first = try JSONReader.parse(Array(buffer: try await client.execute(uri: "/models?limit=5", method: .get).body))
            let next = try #require(first["nextPageToken"]?.string)
            #expect(try await client.execute(uri: "/models/m001", method: .delete).status == .ok)
            let second = try JSONReader.parse(Array(buffer: try await client.execute(uri: "/models?limit=5&next_page_token=\(next)", method: .get).body))
            #expect(second["models"]?.array?.compactMap { $0["modelName"]?.string } == ["m005", "m006", "m007", "m008", "m009"])
            for query in ["limit=0", "limit=-3", "limit=ten", "next_page_token=zz", "next_page_token=1"] {
                let refused = try await client.execute(uri: "/models?" + query, method: .get)
                #expect(refused.status == .badRequest, "\(query)")
                #expect(String(buffer: refused.body).contains(query.hasPrefix("limit") ? "limit must be" : "nextPageToken of the page before"), "\(query)")
            }
        }
    }

    @Test func leastRecentlyUsedModelsMakeRoomAndAModelLargerThanTheBudgetIs507() async throws {
        for name in ["first", "second", "third"] { try place(Self.binary, as: name) }
        try place("xgboost-gblinear-poisson", as: "small")
        let root = self.root
        // Room for two copies of the binary model, not three.
        let bytes = try ModelLoader(configuration: {
            var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
            configuration.model.directory = root + "/first"
            return configuration
        }(), backend: CPUBackend()).load(logger: .init(label: "test")).residentBytes
        try await run(budget: bytes * 2 + bytes / 2) { client in
            let value11 = try await Self.load(client, "first", url: root + "/first").status
            #expect(value11 == .ok)
            let value12 = try await Self.load(client, "second", url: root + "/second").status
            #expect(value12 == .ok)
            let value13 = try await Self.invoke(client, "first").status
            #expect(value13 == .ok)
            let value14 = try await Self.load(client, "third", url: root + "/third").status
            #expect(value14 == .ok)
            let listed103 = try Self.names(try await client.execute(uri: "/models", method: .get))
            #expect(listed103 == ["first", "third"])
        }
        try await run(budget: bytes / 2) { client in
            let refused = try await Self.load(client, "first", url: root + "/first")
            #expect(refused.status.code == 507)
            #expect(String(buffer: refused.body).contains("more than the whole memory budget"))
            let listed104 = try Self.names(try await client.execute(uri: "/models", method: .get))
            #expect(listed104 == [])
            let value15 = try await Self.load(client, "small", url: root + "/small").status
            #expect(value15 == .ok)
        }
    }

    @Test func hostileURLsAndCorruptModelsAreRefusedAndOthersKeepServing() async throws {
        try place(Self.binary, as: "good")
        try FileManager.default.createDirectory(atPath: root + "/corrupt", withIntermediateDirectories: true)
        try Data([0x7B, 0x22, 0x6C]).write(to: URL(fileURLWithPath: root + "/corrupt/xgboost-model.json"))
        try FileManager.default.createSymbolicLink(atPath: root + "/escape", withDestinationPath: Fixtures.root + "/" + Self.binary + "/model")
        let root = self.root
        try await run { client in
            let value16 = try await Self.load(client, "good", url: root + "/good").status
            #expect(value16 == .ok)
            for url in [root + "/../" + (root as NSString).lastPathComponent + "/../", "/etc", root + "/escape", "relative"] {
                let refused = try await Self.load(client, "hostile", url: url)
                #expect(refused.status == .badRequest, "\(url)")
                #expect(String(buffer: refused.body).contains("is not a folder inside"), "\(url)")
            }
            // Inside the root, each refusal names what is wrong with the url.
            for (url, says) in [(root + "/missing", "does not exist"), (root + "/good/xgboost-model", "is a file")] {
                let refused = try await Self.load(client, "wrong", url: url)
                #expect(refused.status == .badRequest, "\(url)")
                #expect(String(buffer: refused.body).contains(says), "\(url): \(String(buffer: refused.body))")
            }
            let twice = try await client.execute(uri: "/models", method: .post, body: ByteBuffer(
                string: #"{"model_name": "a", "model_name": "b", "url": "\#(root)/good"}"#))
            #expect(twice.status == .badRequest)
            #expect(String(buffer: twice.body).contains("appears twice"), "\(String(buffer: twice.body))")
            let corrupt = try await Self.load(client, "corrupt", url: root + "/corrupt")
            #expect(corrupt.status == .badRequest)
            #expect(String(buffer: corrupt.body).contains("cannot be loaded"))
            let value17 = try await Self.load(client, "corrupt", url: root + "/good").status
            #expect(value17 == .ok, "a failed load frees its name")
            let value18 = try await Self.invoke(client, "good").status
            #expect(value18 == .ok)
            let value19 = try await client.execute(uri: "/ping", method: .get).status
            #expect(value19 == .ok)
            let malformed = try await client.execute(uri: "/models", method: .post, body: ByteBuffer(string: "name=x"))
            #expect(malformed.status == .badRequest)
            // Valid JSON past the 64 KiB a load request may take is refused as too large, not as "not JSON".
            let padded = #"{"model_name": "x", "url": "/opt/ml/models/x"}"# + String(repeating: " ", count: 70_000)
            let tooLarge = try await client.execute(uri: "/models", method: .post, body: ByteBuffer(string: padded))
            #expect(tooLarge.status == .contentTooLarge, "\(String(buffer: tooLarge.body))")
        }
    }

    /// A name that must be percent-encoded in a path is reached by its encoding, on every route that names a model;
    /// a name holding `%` itself is reached by its own encoding (`%25`), not as written.
    @Test func namesAreReachedPercentEncoded() async throws {
        try place(Self.binary, as: "good")
        let root = self.root
        try await run { client in
            let statuses = [
                try await Self.load(client, "my model", url: root + "/good").status,
                try await Self.load(client, "pct%41", url: root + "/good").status,
                try await Self.invoke(client, "my%20model").status,
                try await client.execute(uri: "/models/my%20model", method: .get).status,
                try await client.execute(uri: "/v2/models/my%20model/ready", method: .get).status,
                try await Self.invoke(client, "pct%2541").status,
                try await client.execute(uri: "/models/my%20model", method: .delete).status,
            ]
            #expect(statuses == Array(repeating: .ok, count: 7))
            let gone = try await Self.invoke(client, "my%20model").status
            #expect(gone == .notFound)
        }
    }

    @Test func invocationsKeepAnsweringWhileOtherModelsLoadAndUnload() async throws {
        try place(Self.binary, as: "steady")
        for index in 0..<8 { try place(Self.onnx, as: "churn\(index)") }
        let root = self.root
        try await run { client in
            let value20 = try await Self.load(client, "steady", url: root + "/steady").status
            #expect(value20 == .ok)
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        for _ in 0..<25 where try await Self.invoke(client, "steady").status != .ok { return false }
                        _ = worker
                        return true
                    }
                }
                for index in 0..<8 {
                    group.addTask {
                        let name = "churn\(index)"
                        guard try await Self.load(client, name, url: root + "/" + name).status == .ok else { return false }
                        guard try await Self.invoke(client, name, fixture: Self.onnx).status == .ok else { return false }
                        return try await client.execute(uri: "/models/\(name)", method: .delete).status == .ok
                    }
                }
                for try await succeeded in group { #expect(succeeded) }
            }
            let listed105 = try Self.names(try await client.execute(uri: "/models", method: .get))
            #expect(listed105 == ["steady"])
        }
    }
}
