@testable import BerthRuntime
@testable import BerthServer
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// The SageMaker container contract (docs/contract.md) on a live server with the legacy binary fixture (12 features).
@Suite struct ContractTests {
    static let model = TestServer.fixtures + "/xgboost-binary-legacy/model"
    static let row = "0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1.0,1.1,1.2"

    func post(_ client: some TestClientProtocol, _ body: String, contentType: String? = "text/csv", accept: String? = nil) async throws -> TestResponse {
        var headers: HTTPFields = [:]
        if let contentType { headers[.contentType] = contentType }
        if let accept { headers[.accept] = accept }
        return try await client.execute(uri: "/invocations", method: .post, headers: headers, body: ByteBuffer(string: body))
    }

    @Test func pingAnswersGetPostAndHeadWithAnEmptyBody() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            for method in [HTTPRequest.Method.get, .post, .head] {
                let response = try await client.execute(uri: "/ping", method: method)
                #expect(response.status == .ok)
                #expect(response.body.readableBytes == 0)
            }
            let unknown = try await client.execute(uri: "/nope", method: .get)
            #expect(unknown.status == .notFound)
            #expect(String(buffer: unknown.body).contains("no route /nope"))
            let wrongMethod = try await client.execute(uri: "/invocations", method: .get)
            #expect(wrongMethod.status == .methodNotAllowed)
            #expect(wrongMethod.headers[.allow] == "POST")
            // Every known path refuses a method it does not serve with 405 and the methods it does, in the
            // protocol's JSON form under /v2.
            for (uri, method, allow) in [("/ping", HTTPRequest.Method.delete, "GET, HEAD, POST"), ("/execution-parameters", .post, "GET, HEAD"),
                                         ("/v2/models/model/infer", .get, "POST"), ("/v2/health/live", .post, "GET, HEAD")] {
                let refused = try await client.execute(uri: uri, method: method)
                #expect(refused.status == .methodNotAllowed, "\(method) \(uri)")
                #expect(refused.headers[.allow] == allow, "\(method) \(uri)")
                #expect(String(buffer: refused.body).contains("use \(allow)"), "\(method) \(uri)")
            }
            let v2 = try await client.execute(uri: "/v2/nothing/here", method: .get)
            #expect(v2.status == .notFound && String(buffer: v2.body).hasPrefix(#"{"error""#), "\(String(buffer: v2.body))")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"berth_http_requests_total{path="unmatched",status="405"} 5"#), "\(metrics.split(separator: "\n").filter { $0.contains("unmatched") })")
        }
    }

    @Test func executionParametersFollowTheEnvironment() async throws {
        let environment = ["SAGEMAKER_MAX_CONCURRENT_TRANSFORMS": "3", "SAGEMAKER_MAX_PAYLOAD_IN_MB": "20",
                           "SAGEMAKER_BATCH_STRATEGY": "single_record", "SAGEMAKER_BATCH": "True"]
        try await TestServer.run(modelDirectory: Self.model, environment: environment) { client in
            let response = try await client.execute(uri: "/execution-parameters", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "application/json")
            #expect(String(buffer: response.body) == #"{"MaxConcurrentTransforms": 3, "BatchStrategy": "SINGLE_RECORD", "MaxPayloadInMB": 20}"#)
        }
    }

    @Test func contentTypeParametersAcceptListsAndTheBareMediaType() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let csv = try await post(client, Self.row, contentType: "TEXT/CSV; charset=UTF-8; label_size=0", accept: "*/*")
            #expect(csv.status == .ok)
            #expect(csv.headers[.contentType] == "text/csv")
            let listed = try await post(client, Self.row + "\r\n" + Self.row + "\r\n", accept: "image/png, application/json;q=0.9")
            #expect(listed.headers[.contentType] == "application/json")
            #expect(String(buffer: listed.body).hasPrefix(#"{"predictions": [{"score": "#))
            let noType = try await post(client, Self.row, contentType: nil)
            #expect(noType.status == .ok)
            // Without a Content-Type a body whose first line is libsvm is read as libsvm, as the official container
            // reads it: the same row answers the same.
            let libsvm = Self.row.split(separator: ",").enumerated().map { "\($0.offset):\($0.element)" }.joined(separator: " ")
            let noTypeLibsvm = try await post(client, libsvm, contentType: nil)
            #expect(noTypeLibsvm.status == .ok)
            #expect(String(buffer: noTypeLibsvm.body) == String(buffer: noType.body))
            let semicolons = try await post(client, Self.row.split(separator: ",").joined(separator: ";"))
            #expect(String(buffer: semicolons.body) == String(buffer: noType.body))
        }
    }

    @Test func defaultAcceptComesFromTheEnvironment() async throws {
        try await TestServer.run(modelDirectory: Self.model, environment: ["SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT": "application/jsonlines"]) { client in
            let response = try await post(client, Self.row)
            #expect(response.headers[.contentType] == "application/jsonlines")
        }
    }

    @Test func clientMistakesGetA4xxThatSaysWhatToFix() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let cases: [(String, String?, String?, HTTPResponse.Status, String)] = [
                (Self.row, "application/octet-stream", nil, .unsupportedMediaType, "text/csv"),
                (Self.row, "text/csv", "image/png", .notAcceptable, "Ask for one of"),
                ("[[" + Self.row + "]]", "application/json", "image/png", .notAcceptable, "Ask for one of"),
                ("", "application/json", "image/png", .notAcceptable, "Ask for one of"),
                ("", "text/csv", nil, .badRequest, "empty"),
                ("f1,f2,f3,f4,f5,f6,f7,f8,f9,f10,f11,f12\n" + Self.row, "text/csv", nil, .badRequest, "header-less CSV"),
                ("1,2,3", "text/csv", nil, .badRequest, "has 3 values but the model takes 12 features"),
                ("0," + Self.row, "text/csv", nil, .badRequest, "label"),
                ("{\"instances\": [[1]]}", "application/json", nil, .badRequest, "instance 1 has 1 values"),
                ("[1, 2", "application/jsonlines", nil, .badRequest, "line 1 is not valid JSON"),
            ]
            for (body, contentType, accept, status, phrase) in cases {
                let response = try await post(client, body, contentType: contentType, accept: accept)
                let text = String(buffer: response.body)
                #expect(response.status == status, "\(status): \(text)")
                #expect(text.contains(phrase), "'\(phrase)' not in '\(text)'")
                #expect(response.headers[.contentType] == "text/plain")
            }
            // The server stays healthy after every one of them.
            let answer = try await client.execute(uri: "/ping", method: .get)
            #expect(answer.status == .ok)
        }
    }

    /// 6,291,456 bytes is SageMaker's documented maximum (INV-4): accepted; one byte more is a 413.
    @Test func payloadLimitIsSixMebibytesByDefault() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let limit = 6 * 1024 * 1024
            let atLimit = Self.row + String(repeating: "\n", count: limit - Self.row.utf8.count)
            let answer = try await post(client, atLimit)
            #expect(answer.status == .ok)
            let over = try await post(client, atLimit + "\n")
            #expect(over.status == .contentTooLarge)
            #expect(String(buffer: over.body).contains("SAGEMAKER_MAX_PAYLOAD_IN_MB"))
        }
    }

    @Test func payloadLimitFollowsSageMakerMaxPayload() async throws {
        try await TestServer.run(modelDirectory: Self.model, environment: ["SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"]) { client in
            let body = Self.row + String(repeating: "\n", count: (1 << 20) - Self.row.utf8.count)
            let atLimit = try await post(client, body)
            #expect(atLimit.status == .ok)
            let over = try await post(client, body + "\n")
            #expect(over.status == .contentTooLarge)
        }
    }

    @Test func multiRecordBodiesKeepOneAnswerPerRowInOrder() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let rows: [String] = (0..<1000).map { index in
                let values: [String] = (0..<12).map { column in
                    let step = (index * 31 + column * 7) % 97
                    return String(Double(step) / 50 - 1)
                }
                return values.joined(separator: ",")
            }
            let all = try await post(client, rows.joined(separator: "\n"))
            let answers = String(buffer: all.body).split(separator: "\n")
            #expect(answers.count == 1000)
            for index in [0, 1, 500, 999] {
                let single = try await post(client, rows[index])
                #expect(String(buffer: single.body) == answers[index] + "\n")
            }
        }
    }
}

/// Readiness without a socket: `/ping` is 503 while the model loads, and `/invocations` says to wait.
@Suite struct ReadinessTests {
    @Test func pingIs503WhileLoading() async throws {
        let configuration = try TestServer.configuration(modelDirectory: "/unused")
        let app = Application(router: BerthApplication.router(configuration: configuration, state: ModelState(), metrics: ServerMetrics()))
        try await app.test(.router) { client in
            let ping = try await client.execute(uri: "/ping", method: .get)
            #expect(ping.status == .serviceUnavailable)
            #expect(String(buffer: ping.body).hasPrefix("loading model"))
            // HEAD answers as GET does, without the body.
            let head = try await client.execute(uri: "/ping", method: .head)
            #expect(head.status == .serviceUnavailable)
            #expect(head.body.readableBytes == 0)
            let invocation = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                      body: ByteBuffer(string: "1"))
            #expect(invocation.status == .serviceUnavailable)
            #expect(String(buffer: invocation.body).contains("retry once GET /ping answers 200"))
        }
    }
}

/// Batch transform (docs/contract.md §13): body limits from `SAGEMAKER_MAX_PAYLOAD_IN_MB`, one output line per input
/// line with the official container's framing, every request content type in a MULTI_RECORD body.
@Suite struct BatchTransformTests {
    static let model = TestServer.fixtures + "/xgboost-binary-legacy/model"
    static let row = ContractTests.row

    /// Bodies are rows followed by blank lines, so the tests measure the limit, not debug-build decoding;
    /// a 100 MB chunked body of real rows is driven with curl in container/smoke-test (this client cannot stream).
    @Test func unlimitedPayloadAcceptsABodyOverTheDefaultLimit() async throws {
        try await TestServer.run(modelDirectory: Self.model, environment: ["SAGEMAKER_MAX_PAYLOAD_IN_MB": "0", "SAGEMAKER_BATCH": "TRUE"]) { client in
            let body = Self.row + "\n" + Self.row + String(repeating: "\n", count: 8 << 20)
            let response = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                    body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let text = String(buffer: response.body)
            #expect(text.split(separator: "\n").count == 2)
            #expect(text.hasSuffix("\n"))
        }
    }

    @Test func payloadLimitOfTwentyMebibytesAcceptsNineteen() async throws {
        try await TestServer.run(modelDirectory: Self.model, environment: ["SAGEMAKER_MAX_PAYLOAD_IN_MB": "20"]) { client in
            let body = Self.row + String(repeating: "\n", count: 19 << 20)
            let response = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                    body: ByteBuffer(string: body))
            #expect(response.status == .ok)
            let over = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv"],
                                                body: ByteBuffer(string: body + String(repeating: "\n", count: 1 << 20)))
            #expect(over.status == .contentTooLarge)
        }
    }

    @Test(arguments: [
        ("text/csv", "1:0.5 3:2\n\n0 0:1\n7:0.25 # last\n", "text/libsvm", 3),
        ("application/jsonlines", "[1,2,3,4,5,6,7,8,9,10,11,12]\n{\"features\": [1,2,3,4,5,6,7,8,9,10,11,12]}\n", "application/jsonlines", 2),
    ])
    func multiRecordLinesGiveOneRecordEachWithTheFinalNewline(accept: String, body: String, contentType: String, lines: Int) async throws {
        try await TestServer.run(modelDirectory: Self.model, environment: ["SAGEMAKER_BATCH": "true", "SAGEMAKER_INFERENCE_OUTPUT": "predicted_label,probability"]) { client in
            let response = try await client.execute(uri: "/invocations", method: .post,
                                                    headers: [.contentType: contentType, .accept: accept], body: ByteBuffer(string: body))
            #expect(response.status == .ok, "\(String(buffer: response.body))")
            let text = String(buffer: response.body)
            #expect(text.hasSuffix("\n"))
            #expect(text.dropLast().split(separator: "\n", omittingEmptySubsequences: false).count == lines)
        }
    }

    @Test func customAttributesAreNotEchoed() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let response = try await client.execute(
                uri: "/invocations", method: .post,
                headers: [.contentType: "text/csv", HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes")!: "trace=abc"],
                body: ByteBuffer(string: Self.row))
            #expect(response.status == .ok)
            #expect(response.headers[HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes")!] == nil)
        }
    }

    @Test func malformedBodiesOfEveryTypeAre4xxWithAMessage() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let cases: [(String, [UInt8], HTTPResponse.Status, String)] = [
                ("text/libsvm", Array("0:1 12:3\n".utf8), .badRequest, "feature index 12 is out of range"),
                ("application/x-recordio-protobuf", [0x0A, 0x23, 0xD7, 0xCE, 0x40, 0, 0, 0], .badRequest, "truncated"),
                ("application/x-recordio-protobuf", [0x0A, 0x23, 0xD7, 0xCF, 0, 0, 0, 0], .badRequest, "not a valid protobuf Record"),
                ("application/x-npy", Array("\u{93}NUMPY".utf8) + [1, 0, 4, 0] + Array("{}  ".utf8), .badRequest, "not a valid .npy array"),
                ("application/x-npy", Array(NPYTestHeader.objectArray), .unsupportedMediaType, "object arrays are never loaded"),
            ]
            for (contentType, body, status, fragment) in cases {
                let response = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: contentType],
                                                        body: ByteBuffer(bytes: body))
                #expect(response.status == status, "\(contentType): \(String(buffer: response.body))")
                #expect(String(buffer: response.body).contains(fragment), "\(contentType): \(String(buffer: response.body))")
            }
        }
    }
}

/// An `.npy` header for a 1 × 12 object array, as `np.save(np.array([[None] * 12], dtype=object))` starts.
enum NPYTestHeader {
    static var objectArray: [UInt8] {
        var header = Array("{'descr': '|O', 'fortran_order': False, 'shape': (1, 12), }".utf8)
        header += repeatElement(UInt8(ascii: " "), count: 64 - (header.count + 11) % 64) + [UInt8(ascii: "\n")]
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.count), 0] + header + [0x80, 0x04]
    }
}
