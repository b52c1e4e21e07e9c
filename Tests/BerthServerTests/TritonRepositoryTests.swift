import BerthJSON
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing

/// Triton FIL model repositories (`opt-ml-fixtures/triton-fil-*`): served by their folder's name, answered as FIL
/// answers for their `config.pbtxt` — from xgboost's predictions — on the `/v2` routes and, in Triton's SageMaker
/// mode, on `/invocations`.
@Suite struct TritonRepositoryTests {
    static let cases = ["triton-fil-binary-proba", "triton-fil-binary-class", "triton-fil-multiclass-proba",
                        "triton-fil-multiclass-class", "triton-fil-regression"]

    struct Case {
        let folder: String
        let name: String
        let request: [UInt8]
        let shape: [Double]
        let data: [Float]

        init(_ fixture: String) throws {
            folder = Fixtures.root + "/" + fixture
            let manifest = try JSONReader.parse(Fixtures.bytes(folder + "/manifest.json"))
            name = try #require(manifest["model_name"]?.string)
            request = try Fixtures.bytes(folder + "/requests/infer.json")
            let expected = try JSONReader.parse(Fixtures.bytes(folder + "/expected/infer.json"))
            shape = try #require(expected["shape"]?.array).map { $0.number! }
            data = try #require(expected["data"]?.array).map { Float($0.number!) }
        }
    }

    static func output(_ body: [UInt8]) throws -> (shape: [Double], data: [Float]) {
        let output = try #require(try JSONReader.parse(body)["outputs"]?.array?.first)
        return (try #require(output["shape"]?.array).map { $0.number! }, try #require(output["data"]?.array).map { Float($0.number!) })
    }

    @Test(arguments: cases)
    func answersAsFILDoesOnBothRoutes(_ fixture: String) async throws {
        let fil = try Case(fixture)
        try await TestServer.run(modelDirectory: fil.folder + "/model") { client in
            let metadata = try JSONReader.parse(Array(buffer: try await client.execute(uri: "/v2/models/\(fil.name)", method: .get).body))
            #expect(metadata["name"]?.string == fil.name)
            #expect(metadata["outputs"]?.array?.first?["shape"]?.array?.count == fil.shape.count)

            let infer = try await client.execute(uri: "/v2/models/\(fil.name)/infer", method: .post, body: ByteBuffer(bytes: fil.request))
            #expect(infer.status == .ok, "\(String(buffer: infer.body))")
            let answer = try Self.output(Array(buffer: infer.body))
            #expect(answer.shape == fil.shape)
            #expect(answer.data == fil.data)

            // Triton's SageMaker mode: the same V2 body posted to /invocations.
            let invocation = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "application/json"],
                                                      body: ByteBuffer(bytes: fil.request))
            #expect(invocation.status == .ok)
            #expect(invocation.headers[.contentType] == "application/json")
            #expect(try Self.output(Array(buffer: invocation.body)).data == fil.data)
            #expect(try await client.execute(uri: "/v2/models/model/infer", method: .post, body: ByteBuffer(bytes: fil.request)).status == .notFound)
        }
    }

    /// The binary form of Triton's SageMaker mode: the header's length in the content type, a binary answer back.
    @Test func sageMakerBinaryContentType() async throws {
        let fil = try Case("triton-fil-regression")
        let rows = try #require(try JSONReader.parse(fil.request)["inputs"]?.array?.first?["data"]?.array)
        var bytes = [UInt8]()
        for value in rows.flatMap({ $0.array! }) {
            withUnsafeBytes(of: Float(value.number ?? .nan).bitPattern.littleEndian) { bytes += $0 }
        }
        let tensor = bytes
        let header = #"{"inputs": [{"name": "input__0", "shape": [\#(rows.count), 6], "datatype": "FP32", "parameters": {"binary_data_size": \#(tensor.count)}}], "parameters": {"binary_data_output": true}}"#
        try await TestServer.run(modelDirectory: fil.folder + "/model") { client in
            let response = try await client.execute(
                uri: "/invocations", method: .post,
                headers: [.contentType: "application/vnd.sagemaker-triton.binary+json;json-header-size=\(header.utf8.count)"],
                body: ByteBuffer(bytes: Array(header.utf8) + tensor))
            #expect(response.status == .ok)
            let contentType = try #require(response.headers[.contentType])
            #expect(contentType.hasPrefix("application/vnd.sagemaker-triton.binary+json;json-header-size="))
            let length = try #require(Int(contentType.split(separator: "=").last!))
            let body = Array(buffer: response.body)
            let values = stride(from: length, to: body.count, by: 4).map { offset in
                Float(bitPattern: UInt32(body[offset]) | UInt32(body[offset + 1]) << 8 | UInt32(body[offset + 2]) << 16 | UInt32(body[offset + 3]) << 24)
            }
            #expect(values == fil.data)
            let malformed = try await client.execute(uri: "/invocations", method: .post,
                                                     headers: [.contentType: "application/vnd.sagemaker-triton.binary+json"],
                                                     body: ByteBuffer(bytes: Array(header.utf8) + tensor))
            #expect(malformed.status == .badRequest)
            #expect(try JSONReader.parse(Array(buffer: malformed.body))["error"]?.string?.contains("json-header-size") == true)
        }
    }

    /// SageMaker JSON bodies keep their meaning on /invocations beside V2 ones.
    @Test func sageMakerJSONStillAnswersAsBefore() async throws {
        let fil = try Case("triton-fil-regression")
        try await TestServer.run(modelDirectory: fil.folder + "/model") { client in
            let row = #"{"instances": [[1, 2, 3, 4, 5, 6]]}"#
            let response = try await client.execute(uri: "/invocations", method: .post,
                                                    headers: [.contentType: "application/json", .accept: "application/json"],
                                                    body: ByteBuffer(string: row))
            #expect(response.status == .ok)
            #expect(String(buffer: response.body).hasPrefix(#"{"predictions": [{"score": "#))
            // A V2 body with an Accept Berth cannot write is still answered: V2 has no Accept to honour.
            let v2 = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "application/json", .accept: "image/png"],
                                              body: ByteBuffer(bytes: fil.request))
            #expect(v2.status == .ok)
            let csvWithBadAccept = try await client.execute(uri: "/invocations", method: .post, headers: [.contentType: "text/csv", .accept: "image/png"],
                                                            body: ByteBuffer(string: "1,2,3,4,5,6"))
            #expect(csvWithBadAccept.status == .notAcceptable)
        }
    }
}
