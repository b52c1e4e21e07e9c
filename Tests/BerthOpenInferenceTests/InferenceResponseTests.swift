import BerthCore
import BerthJSON
import Testing
@testable import BerthOpenInference

/// Answers in the protocol's JSON form and in the binary tensor extension's, and the metadata documents.
@Suite struct InferenceResponseTests {
    let predictions = Predictions(rowCount: 2, columnCount: 1, values: [0.8100726, .nan])
    let model = ModelIdentity(name: "churn")

    func request(_ json: String) throws -> InferenceRequest {
        let body = Array(json.utf8)
        return try body.withUnsafeBytes { bytes in
            try Result { () throws(OpenInferenceError) in try InferenceRequest(body: bytes, headerLength: nil, featureCount: 1) }.get()
        }
    }

    static let rows = #""inputs": [{"name": "x", "shape": [2, 1], "datatype": "FP32", "data": [1, 2]}]"#

    @Test func jsonAnswerPrintsEachFloat32AsItsShortestText() throws {
        let answer = try InferenceResponse(predictions, to: request(#"{"id": "q", \#(Self.rows)}"#), model: model, outputName: "output__0")
        #expect(answer.headerLength == nil)
        #expect(String(decoding: answer.body, as: UTF8.self) == #"{"model_name": "churn", "model_version": "1", "id": "q", "outputs": [{"name": "output__0", "datatype": "FP32", "shape": [2, 1], "data": [0.8100726008415222, null]}]}"#)
        #expect(try JSONReader.parse(answer.body)["outputs"]?.array?.count == 1)
    }

    @Test func binaryAnswerWhenAskedPerOutputOrForTheRequest() throws {
        for json in [#"{\#(Self.rows), "outputs": [{"name": "output__0", "parameters": {"binary_data": true}}]}"#,
                     #"{\#(Self.rows), "parameters": {"binary_data_output": true}}"#] {
            let answer = try InferenceResponse(predictions, to: request(json), model: model, outputName: "output__0")
            let length = try #require(answer.headerLength)
            let header = try JSONReader.parse(answer.body[0..<length])
            #expect(header["outputs"]?.array?.first?["parameters"]?["binary_data_size"]?.number == 8)
            #expect(header["outputs"]?.array?.first?["data"] == nil)
            let tail = Array(answer.body[length...])
            #expect(tail.count == 8)
            let first = tail.withUnsafeBytes { Float(bitPattern: UInt32(littleEndian: $0.loadUnaligned(as: UInt32.self))) }
            #expect(first == 0.8100726)
        }
        let overridden = #"{\#(Self.rows), "parameters": {"binary_data_output": true}, "outputs": [{"name": "output__0", "parameters": {"binary_data": false}}]}"#
        #expect(try InferenceResponse(predictions, to: request(overridden), model: model, outputName: "output__0").headerLength == nil)
    }

    @Test func anOutputTheModelDoesNotHaveIsRefused() throws {
        let asked = try request(#"{\#(Self.rows), "outputs": [{"name": "probabilities"}]}"#)
        let error = #expect(throws: OpenInferenceError.self) {
            try InferenceResponse(predictions, to: asked, model: model, outputName: "output__0")
        }
        #expect(error?.message.contains("one output, 'output__0'") == true)
    }

    @Test func metadataDocumentsAreJSON() throws {
        let metadata = try JSONReader.parse(OpenInferenceMetadata.model(model, featureCount: 28, outputCount: 3, platform: "berth"))
        #expect(metadata["inputs"]?.array?.first?["shape"] == .array([.number(-1), .number(28)]))
        #expect(metadata["outputs"]?.array?.first?["shape"] == .array([.number(-1), .number(3)]))
        #expect(metadata["versions"] == .array([.string("1")]))
        #expect(try JSONReader.parse(OpenInferenceMetadata.error("a \"quoted\" name"))["error"]?.string == "a \"quoted\" name")
        #expect(try JSONReader.parse(OpenInferenceMetadata.server(version: "0.1"))["extensions"] == .array([.string("binary_tensor_data")]))
    }
}
