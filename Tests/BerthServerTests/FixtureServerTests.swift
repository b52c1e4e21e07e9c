import BerthCodecs
import BerthJSON
@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Hummingbird
import HummingbirdTesting
import Testing

/// Every fixture served over a real socket: every request in its manifest must get the reference library's answer.
@Suite struct FixtureServerTests {
    static let predictingFixtures = [
        "xgboost-binary-legacy", "xgboost-kfold-ensemble", "xgboost-multiclass-ubjson", "xgboost-regression-json-gz",
        "xgboost-missing-categorical", "xgboost-high-categories", "xgboost-1.7-categorical-json", "xgboost-1.7-categorical-ubjson", "xgboost-dart", "xgboost-gblinear-poisson", "xgboost-gblinear-multiclass", "xgboost-logistic-one-class", "xgboost-binary-selectable",
        "xgboost-multiclass-selectable-batch", "xgboost-softmax-selectable", "xgboost-regression-selectable-batch",
        "xgboost-regression-batch",
        "onnx-logistic-binary", "onnx-logistic-multiclass-strings", "onnx-linear-regression", "onnx-mlp-pipeline", "onnx-mlp-classifier", "onnx-mlp-classifier-strings",
        "onnx-random-forest-binary", "onnx-random-forest-multiclass", "onnx-gradient-boosting-binary",
        "onnx-gradient-boosting-regressor", "onnx-mlp-gemm", "onnx-mlp-activations", "onnx-integer-arithmetic", "onnx-external-data", "onnx-tree-modes-sum",
        "onnx-tree-modes-average", "onnx-tree-modes-min", "onnx-tree-modes-max", "onnx-operator-zoo",
        "onnx-linear-classifier-one-row", "onnx-catboost-classifier", "onnx-catboost-regressor",
        "onnx-svc-rbf-multiclass", "onnx-svc-linear-binary", "onnx-svc-sigmoid-multiclass", "onnx-svr-rbf", "onnx-svr-poly",
        "onnx-one-class-svm", "onnx-gaussian-nb", "onnx-bernoulli-nb-binarizer", "onnx-sgd-log-loss", "onnx-kbins-ordinal-ridge",
        "onnx-linear-svc-binary", "onnx-one-hot-logistic", "onnx-one-hot-refusing", "onnx-kbins-one-hot-logistic", "onnx-svc-decisions-binary",
        "onnx-svc-decisions-multiclass", "onnx-polynomial-ridge", "onnx-knn-classifier", "onnx-knn-classifier-distance-manhattan",
        "onnx-knn-regressor", "onnx-knn-regressor-minkowski", "onnx-knn-regressor-two-targets", "onnx-knn-regressor-distance-targets", "onnx-adaboost-classifier", "onnx-adaboost-regressor", "onnx-quantile-transformer", "onnx-kmeans", "onnx-one-vs-rest", "onnx-isolation-forest",
        "onnx-poisson-regressor", "onnx-calibrated-isotonic", "onnx-gaussian-nb-strings", "onnx-torch-layers", "onnx-torch-activations", "onnx-bagging-classifier", "onnx-bagging-regressor", "onnx-quadratic-discriminant", "onnx-torch-batch-shape", "onnx-gaussian-process", "onnx-torch-embedding", "onnx-torch-split",
        "xgboost-pickle-0.90", "xgboost-pickle-0.90-classifier-strings", "xgboost-pickle-1.0", "xgboost-pickle-1.2",
        "xgboost-pickle-1.2-regressor-joblib-zlib", "xgboost-pickle-1.5-classifier-joblib", "xgboost-pickle-1.7",
        "xgboost-pickle-3.2-classifier-protocol-5", "xgboost-pickle-3.2-regressor-joblib-gzip", "xgboost-pickle-3.2-classifier-early-stopped",
        "xgboost-pickle-0.90-classifier-early-stopped", "xgboost-pickle-1.2-regressor-early-stopped",
        "lightgbm-binary", "lightgbm-binary-selectable", "lightgbm-dart", "lightgbm-goss", "lightgbm-rf",
        "lightgbm-regression-zero-as-missing", "lightgbm-regression-use-missing-false", "lightgbm-multiclass-categorical",
        "lightgbm-multiclassova", "lightgbm-linear-tree", "lightgbm-objective-regression-l1", "lightgbm-objective-huber",
        "lightgbm-objective-fair", "lightgbm-objective-quantile", "lightgbm-objective-mape", "lightgbm-objective-gamma",
        "lightgbm-objective-tweedie", "lightgbm-objective-cross-entropy", "lightgbm-objective-cross-entropy-lambda",
        "lightgbm-objective-lambdarank", "lightgbm-objective-rank-xendcg", "lightgbm-pickle-booster",
        "lightgbm-pickle-booster-early-stopped", "lightgbm-pickle-classifier-joblib", "lightgbm-pickle-regressor",
        "lightgbm-jumpstart-binary",
        "catboost-binary", "catboost-binary-nan-max", "catboost-multiclass-strings", "catboost-multiclass-one-vs-all",
        "catboost-regression", "catboost-poisson", "catboost-binary-cbm", "catboost-multiclass-strings-cbm",
        "catboost-regression-cbm", "catboost-depthwise-binary", "catboost-depthwise-binary-cbm",
        "catboost-lossguide-regression", "catboost-lossguide-regression-cbm", "catboost-depthwise-multiclass",
        "catboost-depthwise-multiclass-cbm", "catboost-one-hot-binary", "catboost-one-hot-binary-cbm",
        "catboost-one-hot-multiclass", "catboost-one-hot-multiclass-cbm",
        "xgboost-named-categorical", "lightgbm-named-categorical", "catboost-named-categorical", "lightgbm-pickle-binary-labels",
    ]

    @Test(arguments: predictingFixtures)
    func answersLikeTheReferenceLibrary(_ fixture: String) async throws {
        let folder = TestServer.fixtures + "/" + fixture
        let manifest = try TestServer.manifest(fixture)
        var environment = [String: String]()
        for (key, value) in manifest["environment"]?.object ?? [:] { environment[key] = value.string }
        let requests = manifest["requests"]?.array ?? []
        #expect(requests.count >= 4)
        // LightGBM and CatBoost sum in double, and so must Berth for their models, end to end.
        let tolerance = manifest["lightgbm"] != nil || manifest["catboost"] != nil ? 1e-9 : ResponseComparison.tolerance
        try await TestServer.run(modelDirectory: folder + "/model", environment: environment) { client in
            for request in requests {
                let contentType = request["content_type"]!.string!
                let accept = request["accept"]!.string!
                let body = try TestServer.bytes(folder + "/" + request["body"]!.string!)
                let expected = try TestServer.bytes(folder + "/" + request["expected"]!.string!)
                let response = try await client.execute(
                    uri: "/invocations", method: .post,
                    headers: [.contentType: contentType, .accept: accept], body: ByteBuffer(bytes: body))
                let label = "\(fixture) \(contentType) → \(accept)"
                #expect(response.status == .ok, "\(label): \(String(buffer: response.body))")
                // `application/json;verbose` (JumpStart's) is answered as `application/json`.
                #expect(response.headers[.contentType] == MediaType(parsing: accept)?.essence, "\(label)")
                try ResponseComparison.expectSame(Array(buffer: response.body), expected, accept: accept, label, tolerance: tolerance)
            }
        }
    }

    /// A request the reference library fails (the manifest's `refused`: onnxruntime's message and the rows it fails
    /// alone) is refused with a 400 naming the first of those rows; each row sent alone is refused exactly where
    /// onnxruntime fails it; with batching on, concurrent one-row requests joined into one call are refused or
    /// answered each by its own row.
    @Test(arguments: [("onnx-one-hot-refusing", "the value 7 reaches the model's OneHotEncoder"),
                      ("onnx-torch-embedding", "the index 5 reaches the model's Gather 'embedding_a' from a table of 5 rows"),
                      ("onnx-bernoulli-nb-binarizer", "a missing value reaches the model's Binarizer")],
          [false, true])
    func refusesWhatTheReferenceLibraryRefuses(_ refusing: (fixture: String, firstReason: String), batching: Bool) async throws {
        let (fixture, firstReason) = refusing
        let folder = TestServer.fixtures + "/" + fixture
        let refused = try #require(try TestServer.manifest(fixture)["refused"])
        let rows = try #require(refused["rows"]?.array?.compactMap { $0.number.map(Int.init) })
        #expect(rows.count >= 2 && refused["onnxruntime"]?.string?.contains("ONNXRuntimeError") == true)
        let csv = try TestServer.bytes(folder + "/requests/refused.csv")
        let lines = csv.split(separator: UInt8(ascii: "\n")).map { Array($0) + [UInt8(ascii: "\n")] }
        try await TestServer.run(modelDirectory: folder + "/model", environment: ["BERTH_BATCHING": batching ? "true" : "false"]) { client in
            for request in refused["requests"]?.array ?? [] {
                let contentType = try #require(request["content_type"]?.string)
                let body = try TestServer.bytes(folder + "/" + (request["body"]?.string ?? ""))
                let response = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: contentType],
                                                         body: ByteBuffer(bytes: body))
                let message = String(buffer: response.body)
                #expect(response.status == .badRequest, "\(contentType): \(message)")
                #expect(message.contains("row \(rows[0]) of the request: \(firstReason)"), "\(message)")
                #expect(message.contains("onnxruntime refuses it too"), "\(message)")
                #expect(message.contains("(\(rows.count - 1) more row\(rows.count == 2 ? " is" : "s are") refused too)"), "\(message)")
            }
            try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status).self) { group in
                for (index, line) in lines.enumerated() {
                    group.addTask {
                        let response = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                                 body: ByteBuffer(bytes: line))
                        return (index + 1, response.status)
                    }
                }
                for try await (row, status) in group {
                    #expect(status == (rows.contains(row) ? .badRequest : .ok), "\(fixture): row \(row) alone")
                }
            }
        }
    }

    @Test func aRefusedPickleIsNamedInPingAndInvocations() async throws {
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/pickle-refused-pipeline/model", expectReady: false) { client in
            let ping = try await client.execute(uri: "/ping", method: .get)
            #expect(ping.status == .serviceUnavailable)
            #expect(String(buffer: ping.body).contains("sklearn.pipeline.Pipeline"))
            #expect(String(buffer: ping.body).contains("ONNX"))
            let invocation = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                      body: ByteBuffer(string: "1,2"))
            #expect(invocation.status == .internalServerError)
            // Callers learn where to look, not the server's paths.
            #expect(String(buffer: invocation.body).contains("GET /ping"))
            #expect(!String(buffer: invocation.body).contains(TestServer.fixtures))
        }
    }

    @Test func aCatBoostModelWithCategoricalFeaturesIsRefusedNamingThem() async throws {
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/catboost-refused-categorical/model", expectReady: false) { client in
            let ping = try await client.execute(uri: "/ping", method: .get)
            #expect(ping.status == .serviceUnavailable)
            #expect(String(buffer: ping.body).contains("categorical features ('colour' (column 2))"))
        }
    }

    @Test func missingModelDirectoryIsNamed() async throws {
        try await TestServer.run(modelDirectory: "/nonexistent/berth/model", expectReady: false) { client in
            let ping = try await client.execute(uri: "/ping", method: .post)
            #expect(ping.status == .serviceUnavailable)
            #expect(String(buffer: ping.body).contains("/nonexistent/berth/model does not exist"))
        }
    }

    @Test func anONNXModelNamesBothWidthsWhenARowDoesNotFit() async throws {
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/onnx-random-forest-multiclass/model") { client in
            let response = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                    body: ByteBuffer(string: "1,2,3,4,5\n"))
            #expect(response.status == .badRequest)
            #expect(String(buffer: response.body).contains("has 5 values but the model takes 6 features"))
        }
    }

    @Test func anONNXClassifierAnswersSelectedOutputsWithItsOwnLabels() async throws {
        let environment = ["SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,labels,probability"]
        try await TestServer.run(modelDirectory: TestServer.fixtures + "/onnx-logistic-multiclass-strings/model", environment: environment) { client in
            // scikit-learn sorts string classes: the model names them high, low, mid.
            let row = "0.1,0.2,0.3,0.4,0.5,0.6"
            let csv = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"], body: ByteBuffer(string: row))
            let json = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv", .accept: "application/json"],
                                                body: ByteBuffer(string: row))
            let line = String(buffer: csv.body)
            #expect(line.contains(#""['high', 'low', 'mid']""#), "\(line)")
            #expect(["low,", "mid,", "high,"].contains { line.hasPrefix($0) }, "\(line)")
            #expect(String(buffer: json.body).contains(#""labels": ["high", "low", "mid"]"#))
        }
    }
}
