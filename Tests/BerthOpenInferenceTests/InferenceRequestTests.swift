import BerthCore
import Testing
@testable import BerthOpenInference

/// Infer requests as Triton's and KServe's clients send them, and every way one can be wrong.
@Suite struct InferenceRequestTests {
    func read(_ json: String, binary: [UInt8]? = nil, features: Int = 3) throws(OpenInferenceError) -> InferenceRequest {
        let body = Array(json.utf8) + (binary ?? [])
        let result = body.withUnsafeBytes { bytes in
            Result { () throws(OpenInferenceError) in
                try InferenceRequest(body: bytes, headerLength: binary == nil ? nil : json.utf8.count, featureCount: features)
            }
        }
        return try result.get()
    }

    func refusal(_ json: String, binary: [UInt8]? = nil, features: Int = 3) -> String {
        do {
            _ = try read(json, binary: binary, features: features)
            return "accepted"
        } catch {
            #expect(error.kind == .badRequest)
            return error.message
        }
    }

    /// A JSON body sent to `/invocations` is an Open Inference request only if it is an object with a top-level
    /// `inputs` key; every SageMaker JSON form (and a body that merely mentions the word) is not.
    @Test(arguments: [
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, true),
        (#"  {"id": "a", "outputs": [], "inputs": []}"#, true),
        (#"{"parameters": {}, "inputs":[]}"#, true),
        (#"{"instances": [[1, 2, 3]]}"#, false),
        (#"{"instances": [{"features": [1, 2, 3]}], "note": "\"inputs\""}"#, false),
        (#"{"instances": [{"inputs": [1, 2, 3]}]}"#, false),
        (#"[[1, 2, 3]]"#, false),
        (#"{"inputs""#, false),
        (#"{"input"#, false),
        (#"{"#, false),
        ("", false),
        (#"{"features": [1, 2, 3]} "inputs""#, false),
    ])
    func openInferenceBodiesAreToldFromSageMakerJSON(body: String, expected: Bool) {
        #expect(Array(body.utf8).withUnsafeBytes(InferenceRequest.isOpenInferenceBody) == expected)
    }

    /// The quick search ahead of the parse finds the key wherever it lies, including the body's last bytes, and
    /// never reads past the end.
    @Test func theKeySearchFindsEveryPlacement() {
        let key = #""inputs""#
        for padding in 0..<20 {
            let quotes = String(repeating: #""a" "#, count: padding)
            #expect(Array((quotes + key).utf8).withUnsafeBytes(InferenceRequest.mentionsInputsKey))
            #expect(Array((key + quotes).utf8).withUnsafeBytes(InferenceRequest.mentionsInputsKey))
            #expect(!Array((quotes + #""inputs"#).utf8).withUnsafeBytes(InferenceRequest.mentionsInputsKey))
            #expect(!Array((quotes + #""Inputs""#).utf8).withUnsafeBytes(InferenceRequest.mentionsInputsKey))
        }
    }

    /// For a model that compares doubles (LightGBM), FP64 and integer elements keep their doubles, narrower floats
    /// widen exactly, and only a value infinite as a double is refused.
    @Test func doublePrecisionModelsKeepTheDoubles() throws {
        func keep(_ json: String, binary: [UInt8]? = nil) throws -> FeatureBatch {
            let body = Array(json.utf8) + (binary ?? [])
            return try body.withUnsafeBytes { bytes in
                try InferenceRequest(body: bytes, headerLength: binary == nil ? nil : json.utf8.count, featureCount: 3,
                                     precision: .float64).features
            }
        }
        let fp64 = try keep(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [0.30000000000000004, null, 1e39]}]}"#)
        #expect(fp64.doubles?[0] == 0.30000000000000004 && fp64.doubles?[1].isNaN == true && fp64.doubles?[2] == 1e39)
        let fp32 = try keep(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [0.1, 2, 3]}]}"#)
        #expect(fp32.doubles == [Double(Float(0.1)), 2, 3])
        let int64 = try keep(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "INT64", "data": [9007199254740993, 2, 3]}]}"#)
        #expect(int64.doubles?[0] == 9007199254740992, "JSON's double of the integer")
        var bytes = [UInt8]()
        for value in [0.30000000000000004, -2.5, .nan] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        let binary = try keep(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "parameters": {"binary_data_size": 24}}]}"#,
                              binary: bytes)
        #expect(binary.doubles?[0] == 0.30000000000000004 && binary.doubles?[1] == -2.5 && binary.doubles?[2].isNaN == true)
        #expect(throws: OpenInferenceError.self) {
            try keep(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [Infinity, 1, 2]}]}"#)
        }
    }

    @Test func jsonDataFlatOrNestedWithMissingValues() throws {
        let nested = try read(#"{"id": "7", "inputs": [{"name": "input__0", "shape": [2, 3], "datatype": "FP32", "data": [[1, 2, null], [4, NaN, 6]]}]}"#)
        #expect(nested.id == "7" && nested.features.rowCount == 2 && nested.features.columnCount == 3)
        let values = nested.features.values
        #expect(values[0] == 1 && values[2].isNaN && values[4].isNaN && values[5] == 6)
        let flat = try read(#"{"inputs": [{"name": "x", "shape": [2, 3], "datatype": "INT64", "data": [1, 2, 3, 4, 5, 6]}]}"#)
        #expect(flat.features.values == [1, 2, 3, 4, 5, 6])
        let oneRow = try read(#"{"inputs": [{"name": "x", "shape": [3], "datatype": "FP64", "data": [0.1, 0.2, 0.3]}]}"#)
        #expect(oneRow.features.rowCount == 1 && oneRow.features.values[0] == Float(0.1 as Double))
    }

    @Test func binaryTensorData() throws {
        var bytes = [UInt8]()
        for value in [Float(1), 2, .nan, 4, 5, 6] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes += $0 } }
        let request = try read(#"{"inputs": [{"name": "input__0", "shape": [2, 3], "datatype": "FP32", "parameters": {"binary_data_size": 24}}], "outputs": [{"name": "output__0", "parameters": {"binary_data": true}}]}"#, binary: bytes)
        #expect(request.features.rowCount == 2 && request.features.values[2].isNaN && request.features.values[5] == 6)
        #expect(request.requestedOutputs == [.init(name: "output__0", binary: true)])
        let wholeRequest = try read(#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "UINT8", "parameters": {"binary_data_size": 3}}], "parameters": {"binary_data_output": true}}"#, binary: [1, 2, 3])
        #expect(wholeRequest.binaryDataOutput && wholeRequest.features.values == [1, 2, 3])
    }

    @Test(arguments: [
        ("not json", "not valid JSON"),
        (#"[1, 2]"#, "JSON object"),
        (#"{"inputs": []}"#, "no \"inputs\""),
        (#"{"inputs": [{"name": "a", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}, {"name": "b", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "2 input tensors"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "BYTES", "data": ["a", "b", "c"]}]}"#, "BYTES tensors hold strings"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP8", "data": [1, 2, 3]}]}"#, "datatype 'FP8'"),
        (#"{"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}"#, "shape [1, 4] but the model takes 3 features"),
        (#"{"inputs": [{"name": "x", "shape": [0, 3], "datatype": "FP32", "data": []}]}"#, "at least one row"),
        (#"{"inputs": [{"name": "x", "shape": [1, -3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "non-negative integers"),
        (#"{"inputs": [{"name": "x", "shape": [2, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "3 elements in \"data\" but shape [2, 3] needs 6"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, "2", 3]}]}"#, "element 1 is not FP32"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "INT32", "data": [1, 2.5, 3]}]}"#, "element 1 is not INT32"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, Infinity, 3]}]}"#, "element 1 (row 0, column 1) is infinite"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP64", "data": [1, 1e39, 3]}]}"#, "is infinite as a float32"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": 5}]}"#, "not an array"),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32"}]}"#, "has no \"data\""),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "parameters": {"binary_data_size": 12}}]}"#, "no Inference-Header-Content-Length"),
        (#"{"inputs": [{"shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "needs a \"name\""),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}], "outputs": [{"id": 1}]}"#, "needs a \"name\""),
        (#"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}], "parameters": {"binary_data_output": 1}}"#, "true or false"),
        (#"{"id": 5, "inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#, "\"id\" must be a string"),
    ])
    func mistakesAreNamed(_ json: String, _ expected: String) {
        let message = refusal(json)
        #expect(message.contains(expected), "\(json) → \(message)")
    }

    /// A shape is only a claim: rows × features is checked against the elements sent, and nothing is set aside for
    /// more elements than the body could hold (a 90-byte request claiming 10¹⁷ rows once asked for 1.6 EB).
    @Test func aShapeClaimingMoreThanTheBodyHoldsIsRefused() {
        let json = #"{"inputs": [{"name": "x", "shape": [100000000000000000, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#
        #expect(refusal(json).contains("has 3 elements in \"data\" but shape [100000000000000000, 3] needs 300000000000000000"))
        let binary = #"{"inputs": [{"name": "x", "shape": [100000000000000000, 3], "datatype": "FP32", "parameters": {"binary_data_size": 12}}]}"#
        #expect(refusal(binary, binary: [UInt8](repeating: 0, count: 12)).contains("binary_data_size 12"))
    }

    @Test func binarySizesMustAddUp() {
        let declared = #"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "parameters": {"binary_data_size": 12}}]}"#
        #expect(refusal(declared, binary: [UInt8](repeating: 0, count: 8)).contains("binary section has 8 bytes"))
        let wrongSize = #"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "parameters": {"binary_data_size": 8}}]}"#
        #expect(refusal(wrongSize, binary: [UInt8](repeating: 0, count: 8)).contains("take 12 bytes"))
        let both = #"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3], "parameters": {"binary_data_size": 12}}]}"#
        #expect(refusal(both, binary: [UInt8](repeating: 0, count: 12)).contains("both"))
        let undeclared = #"{"inputs": [{"name": "x", "shape": [1, 3], "datatype": "FP32", "data": [1, 2, 3]}]}"#
        #expect(refusal(undeclared, binary: [1]).contains("does not declare"))
        let body = Array("{}".utf8)
        let tooLong = body.withUnsafeBytes { bytes in
            Result { () throws(OpenInferenceError) in try InferenceRequest(body: bytes, headerLength: 3, featureCount: 3) }
        }
        #expect(throws: OpenInferenceError.self) { try tooLong.get() }
    }

    /// Triton's SageMaker content type is recognised in any ASCII letter case, with its header size; any other type,
    /// a prefix of it, or one spelt with a letter whose Unicode lowercase is ASCII (the Kelvin sign for `k`) is not.
    @Test func tritonsSageMakerContentTypeIsReadInAnyCase() throws {
        #expect(try InferenceRequest.sageMakerTritonHeaderLength(contentType: "application/vnd.sagemaker-triton.binary+json;json-header-size=42") == 42)
        #expect(try InferenceRequest.sageMakerTritonHeaderLength(contentType: "Application/VND.SageMaker-Triton.Binary+JSON; JSON-Header-Size=7") == 7)
        for other in [nil, "", "text/csv", "application/json", "application/vnd.sagemaker-triton.binary", "application/vnd.sagemaker-triton.binary+jsox",
                      "application/vnd.sagema\u{212A}er-triton.binary+json;json-header-size=1"] {
            #expect(try InferenceRequest.sageMakerTritonHeaderLength(contentType: other) == nil, "\(other ?? "nil")")
        }
        #expect(throws: OpenInferenceError.self) {
            try InferenceRequest.sageMakerTritonHeaderLength(contentType: "application/vnd.sagemaker-triton.binary+json")
        }
    }
}
