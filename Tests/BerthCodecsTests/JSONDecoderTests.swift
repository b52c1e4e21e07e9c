import BerthCore
import Testing
@testable import BerthCodecs

@Suite struct JSONDecoderTests {
    func json(_ text: String, features: Int = 2) throws(CodecError) -> FeatureBatch {
        try JSONRequestDecoder().decode(Array(text.utf8), featureCount: features)
    }

    func lines(_ text: String, features: Int = 2) throws(CodecError) -> FeatureBatch {
        try JSONLinesDecoder().decode(Array(text.utf8), featureCount: features)
    }

    @Test(arguments: [
        #"{"instances": [[1, 2], [3, null]]}"#,
        #"{"instances": [{"features": [1, 2]}, {"features": [3, null]}]}"#,
        #"{"instances": [{"data": {"features": {"values": [1, 2]}}}, {"data": {"features": {"keys": [0], "shape": [2], "values": [3]}}}]}"#,
        #"[[1, 2], [3, null]]"#,
    ])
    func readsEverySageMakerShape(_ body: String) throws {
        let batch = try json(body)
        #expect(batch.rowCount == 2)
        #expect(Array(batch.values.prefix(3)) == [1, 2, 3])
        #expect(batch.values[3].isNaN)
    }

    @Test func singleRowShapes() throws {
        #expect(try json("[1, 2]").values == [1, 2])
        #expect(try json(#"{"features": [1, 2]}"#).values == [1, 2])
    }

    @Test(arguments: [
        "", "{", "[]", #"{"instances": []}"#, #"{"instances": 3}"#, #"[1, "2"]"#, #"[1, 2, 3]"#, #"{"rows": [1, 2]}"#,
        #"{"instances": [{"data": {"features": {"keys": [5], "shape": [2], "values": [3]}}}]}"#, "true", #"[[1, 2], 3]"#,
    ])
    func malformedBodiesAreBadRequests(_ body: String) {
        let error = #expect(throws: CodecError.self) { try json(body) }
        #expect(error?.kind == .badRequest)
    }

    @Test func countMismatchNamesTheInstance() {
        let error = #expect(throws: CodecError.self) { try json(#"{"instances": [[1, 2], [1]]}"#) }
        #expect(error?.message.contains("instance 2 has 1 values but the model takes 2 features") == true)
    }

    @Test func jsonLinesKeepOneRowPerLine() throws {
        let batch = try lines("[1, 2]\n{\"features\": [3, 4]}\r\n\n[null, 6]\n")
        #expect(batch.rowCount == 3)
        #expect(batch.values[4].isNaN)
    }

    @Test func jsonLinesRefuseSeveralRecordsOnOneLine() {
        let error = #expect(throws: CodecError.self) { try lines("[[1, 2], [3, 4]]\n") }
        #expect(error?.message.contains("line 1") == true)
    }

    @Test func jsonLinesNameTheBrokenLine() {
        let error = #expect(throws: CodecError.self) { try lines("[1, 2]\n[1, 2\n") }
        #expect(error?.message.contains("line 2 is not valid JSON") == true)
    }

    @Test func severalJSONValuesOnSeparateLinesAreReadAsJSONLines() throws {
        let batch = try json("[1, 2, 3]\n{\"features\": [4, 5, 6]}\n", features: 3)
        #expect(batch.values == [1, 2, 3, 4, 5, 6])
        #expect(throws: CodecError.self) { try json("[1, 2, 3] [4, 5, 6]", features: 3) }
    }
}
