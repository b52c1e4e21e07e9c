@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// What a refused request gets back (issue: no information leaks): a short message, never a stack trace, a path
/// of the server's files, more than a short excerpt of what was sent, or a header the caller wrote.
@Suite struct InformationLeakTests {
    /// A run of 80 characters no error may repeat in full: messages quote at most 24 characters of a body and 64
    /// of a name or URL.
    static let token = "LEAKCHECK" + String(repeating: "x", count: 71)

    static func expectNothingLeaks(_ response: TestResponse, _ label: String) {
        let body = String(buffer: response.body)
        #expect((400..<500).contains(response.status.code), "\(label): status \(response.status.code)")
        #expect(body.utf8.count <= 1_024, "\(label): a \(body.utf8.count)-byte error body")
        #expect(!body.contains(token) && !body.contains(token.lowercased()), "\(label): the body echoes the request: \(body)")
        for marker in [Fixtures.root, "/work/", ".swift", "Fatal error", "Backtrace", "0x0000"] {
            #expect(!body.contains(marker), "\(label): the body contains '\(marker)': \(body)")
        }
        #expect(response.headers[HTTPField.Name("X-Injected")!] == nil, "\(label): a header was injected")
    }

    @Test func refusedInvocationsSayLittle() async throws {
        let model = Fixtures.root + "/xgboost-binary-legacy/model"
        try await TestServer.run(modelDirectory: model) { client in
            let requests: [(String, HTTPFields, [UInt8])] = [
                ("CSV with a long field", [.contentType: "text/csv"], Array("1,2,\(Self.token),4\n".utf8)),
                ("CSV of the wrong width", [.contentType: "text/csv"], Array("\(Self.token)\n".utf8)),
                ("JSON", [.contentType: "application/json"], Array(#"{"instances": [["\#(Self.token)"]]}"#.utf8)),
                ("deeply nested JSON", [.contentType: "application/json"], Array(String(repeating: "[", count: 100_000).utf8)),
                ("JSON Lines", [.contentType: "application/jsonlines"], Array("[1, \(Self.token)]\n".utf8)),
                ("libsvm", [.contentType: "text/libsvm"], Array("1 3:\(Self.token)\n".utf8)),
                ("NPY", [.contentType: "application/x-npy"], Array("\u{93}NUMPY\u{1}\u{0}v\u{0}{'descr': '\(Self.token)'}".utf8)),
                ("RecordIO", [.contentType: "application/x-recordio-protobuf"], Array(Self.token.utf8)),
                ("content type", [.contentType: "application/\(Self.token)"], [1]),
                // Media types are compared in lower case: the message must not quote the lowered token either.
                ("content type, lower case", [.contentType: "application/\(Self.token.lowercased())\t"], [1]),
                ("accept", [.contentType: "text/csv", .accept: "text/\(Self.token)"], Array("1,2\n".utf8)),
            ]
            for (label, headers, body) in requests {
                let response = try await client.execute(uri: "/invocations", method: .post, headers: headers, body: ByteBuffer(bytes: body))
                Self.expectNothingLeaks(response, label)
            }
        }
    }

    @Test func multiModelNamesCannotInjectHeadersOrFillBodies() async throws {
        try await TestServer.run(modelDirectory: "/nonexistent", environment: ["SAGEMAKER_MULTI_MODEL": "true"],
                                 configure: { $0.multiModel.modelsRoot = NSTemporaryDirectory() }) { client in
            let name = "m%0D%0AX-Injected:%201%0D%0A" + Self.token
            for (method, uri) in [(HTTPRequest.Method.get, "/models/\(name)"), (.delete, "/models/\(name)"), (.post, "/models/\(name)/invoke")] {
                let response = try await client.execute(uri: uri, method: method, headers: [.contentType: "text/csv"], body: ByteBuffer(string: "1\n"))
                Self.expectNothingLeaks(response, "\(method) \(uri.prefix(20))")
                #expect(!String(buffer: response.body).dropLast().contains("\n"), "a line break from the URL reached the body")
            }
            let load = try await client.execute(uri: "/models", method: .post, headers: [.contentType: "application/json"],
                                                body: ByteBuffer(string: #"{"model_name": "m", "url": "/etc/\#(Self.token)"}"#))
            Self.expectNothingLeaks(load, "load from outside the root")
        }
    }
}
