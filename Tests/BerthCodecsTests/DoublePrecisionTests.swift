import BerthCore
import Testing
@testable import BerthCodecs

/// For a model that compares doubles (LightGBM), every decoder keeps each number's double beside its float32, and
/// the encoders write a double-precision model's answers as doubles.
@Suite struct DoublePrecisionTests {
    static let keeping = RequestDecodingOptions(precision: .float64)
    /// One double-ulp above 0.3: the same float32 as 0.3, a different double.
    static let aboveThreshold = 0.30000000000000004

    func decode(_ format: RequestFormat, _ body: [UInt8], features: Int = 2,
                options: RequestDecodingOptions = keeping) throws(CodecError) -> FeatureBatch {
        try format.decoder(options: options).decode(body, featureCount: features)
    }

    @Test func textDecodersKeepTheDoublesTheBodyWrote() throws {
        let bodies: [(RequestFormat, String)] = [
            (.csv, "0.30000000000000004,\n0.3,1e39\n"),
            (.json, #"{"instances": [[0.30000000000000004, null], {"features": [0.3, 1e39]}]}"#),
            (.json, #"[{"data": {"features": {"keys": [0], "values": [0.30000000000000004], "shape": [2]}}}, [0.3, 1e39]]"#),
            (.jsonLines, "[0.30000000000000004, null]\n[0.3, 1e39]\n"),
            (.libsvm, "1 0:0.30000000000000004\n0 0:0.3 1:1e39\n"),
        ]
        for (format, text) in bodies {
            let batch = try decode(format, Array(text.utf8))
            let doubles = try #require(batch.doubles, "\(format) \(text)")
            #expect(doubles[0] == Self.aboveThreshold && doubles[1].isNaN && doubles[2] == 0.3 && doubles[3] == 1e39, "\(format) \(text)")
            #expect(batch.values[0] == Float(0.3) && batch.values[3] == .infinity, "\(format): the float32s are the narrowed doubles")
        }
    }

    @Test func float32ModelsGetNoDoubles() throws {
        let batch = try decode(.csv, Array("0.30000000000000004,1\n".utf8), options: RequestDecodingOptions())
        #expect(batch.doubles == nil)
        #expect(batch.wideValues == [Double(Float(0.3)), 1])
    }

    /// 1e39 is a finite double but an infinite float32: a double-precision model takes it, a float32 one refuses it.
    @Test func infinityIsJudgedInTheModelsPrecision() throws {
        #expect(try decode(.csv, Array("1e39,1\n".utf8)).doubles == [1e39, 1])
        #expect(throws: CodecError.self) { try decode(.csv, Array("1e39,1\n".utf8), options: RequestDecodingOptions()) }
        let refused = #expect(throws: CodecError.self) { try decode(.csv, Array("inf,1\n".utf8)) }
        #expect(refused?.message.contains("is infinite, and Berth refuses infinite inputs") == true)
    }

    @Test func npyKeepsFloat64AndWidensTheRest() throws {
        var float64 = NPYHeader.header(descr: "<f8", shape: [2])
        for value in [Self.aboveThreshold, -1e300] { LittleEndian.appendUInt64(value.bitPattern, to: &float64) }
        #expect(try decode(.npy, float64).doubles == [Self.aboveThreshold, -1e300])
        var int64 = NPYHeader.header(descr: "<i8", shape: [2])
        for value in [Int64(1) << 53 + 1, -3] { LittleEndian.appendUInt64(UInt64(bitPattern: value), to: &int64) }
        #expect(try decode(.npy, int64).doubles == [Double(Int64(1) << 53 + 1), -3], "astype(np.float64)")
    }

    @Test func recordIOTensorsAreExactAsDoubles() throws {
        let dense = try decode(.recordIO, RecordIOBodies.framed([RecordIOBodies.record(values: [0.1, 2])]))
        #expect(dense.doubles == [Double(Float(0.1)), 2])
        let sparse = try decode(.recordIO, RecordIOBodies.framed([RecordIOBodies.record(values: [3], keys: [1], shape: [2])]))
        let doubles = try #require(sparse.doubles)
        #expect(doubles[0].isNaN && doubles[1] == 3)
    }

    @Test func doubleAnswersAreWrittenAsDoubles() {
        let predictions = Predictions(rowCount: 2, columnCount: 1, doubles: [Self.aboveThreshold, 0.25])
        var csv = [UInt8]()
        CSVEncoder().encode(predictions, into: &csv)
        #expect(String(decoding: csv, as: UTF8.self) == "0.30000000000000004\n0.25\n")
        var json = [UInt8]()
        JSONResponseEncoder().encode(predictions, into: &json)
        #expect(String(decoding: json, as: UTF8.self) == #"{"predictions": [{"score": 0.30000000000000004}, {"score": 0.25}]}"#)
        var npy = [UInt8]()
        NPYEncoder().encode(predictions, into: &npy)
        let header = NPYHeader.header(descr: "<f8", shape: [2])
        #expect(Array(npy.prefix(header.count)) == header)
        #expect(npy.count == header.count + 16)
    }
}
