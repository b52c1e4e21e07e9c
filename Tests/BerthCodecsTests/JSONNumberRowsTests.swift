import BerthCore
import BerthJSON
import Testing
@testable import BerthCodecs

/// The one-pass reader of plain JSON rows must give the general reader's values bit for bit, and hand every other
/// body back to it.
@Suite struct JSONNumberRowsTests {
    /// What the general path makes of a body of rows: JSONReader's numbers, null as NaN, narrowed to float32.
    static func generalValues(_ body: String) throws -> [Float] {
        var document = try JSONReader.parse(Array(body.utf8))
        if let instances = document["instances"] { document = instances }
        return document.array!.flatMap { row in (row.array ?? row["features"]!.array!).map { $0.number.map { Float($0) } ?? .nan } }
    }

    static func fastValues(_ body: String, featureCount: Int, acceptsFeaturesObject: Bool = false) -> (rows: Int, values: [Float])? {
        var values = Float32Values(reservingCapacity: 0)
        let rows = Array(body.utf8).withUnsafeBufferPointer {
            JSONNumberRows(featureCount: featureCount).read($0, acceptsFeaturesObject: acceptsFeaturesObject, into: &values)
        }
        return rows.map { ($0, values.batch(rowCount: $0, columnCount: featureCount).values) }
    }

    @Test func plainRowsGiveTheGeneralReadersValuesBitForBit() throws {
        // Every form JSON's grammar allows a number, and numbers the fast conversion cannot take (17 digits, large
        // exponents, subnormals) that go through strtod.
        let numbers = ["0", "-0", "1", "-12", "3.25", "0.1", "-0.000001", "1e3", "1E-3", "2.5e+10", "123456789012345",
                       "1234567890123456789", "0.30000000000000004", "1e308", "4.9e-324", "-1.7976931348623157e308",
                       "3.4028235e38", "1.00000005960464477539", "null"]
        var state: UInt64 = 7
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let spaces = ["", " ", "\n", "\t", "\r\n  "]
        for trial in 0..<200 {
            let featureCount = next() % 6 + 1
            let rowCount = next() % 5 + 1
            let rows = (0..<rowCount).map { _ in
                let row = "[" + spaces[next() % 5] + (0..<featureCount).map { _ in numbers[next() % numbers.count] }
                    .joined(separator: spaces[next() % 5] + "," + spaces[next() % 5]) + spaces[next() % 5] + "]"
                // SageMaker's record form `{"features": […]}` in every third body's rows, now and then.
                return trial % 3 == 0 && next() % 2 == 0 ? "{" + spaces[next() % 5] + "\"features\":" + spaces[next() % 5] + row + spaces[next() % 5] + "}" : row
            }
            let array = "[" + rows.joined(separator: "," + spaces[next() % 5]) + "]"
            let body = trial % 2 == 0 ? array : spaces[next() % 5] + "{" + spaces[next() % 5] + "\"instances\"" + spaces[next() % 5] + ":" + array + "}" + spaces[next() % 5]
            let fast = try #require(Self.fastValues(body, featureCount: featureCount, acceptsFeaturesObject: trial % 3 == 0), "\(body)")
            let general = try Self.generalValues(body)
            #expect(fast.rows == rowCount)
            #expect(fast.values.map(\.bitPattern) == general.map(\.bitPattern), "\(body)")
        }
    }

    @Test(arguments: [
        #"{"instances": [[1, 2]], "extra": 1}"#, #"{"Instances": [[1, 2]]}"#, #"{"\u0069nstances": [[1, 2]]}"#,
        #"[[1, "a"]]"#, #"[[1, 2, 3]]"#, #"[[1]]"#, #"[[1, 2], {"features": [1, 2]}]"#, #"[1, 2]"#, "[]", #"{"instances": []}"#,
        "[[01, 2]]", "[[1., 2]]", "[[.5, 2]]", "[[+1, 2]]", "[[1e, 2]]", "[[NaN, 2]]", "[[-, 2]]", "[[1, 2]] [[3, 4]]",
        "[[1, 2]]\n[[3, 4]]", "[[1, 2],]", "[[1, 2]", "[[1 2]]", "\u{FEFF}[[1, 2]]", "[[nul, 2]]",
    ])
    func everyOtherBodyGoesTheGeneralWay(_ body: String) {
        #expect(Self.fastValues(body, featureCount: 2) == nil, "\(body)")
    }

    @Test(arguments: [
        #"[{"features": [1, 2], "x": 1}]"#, #"[{"Features": [1, 2]}]"#, #"[{"features": [1, 2, 3]}]"#, #"[{"features": {"values": [1, 2]}}]"#,
        #"{"instances": [{"data": {"features": {"values": [1, 2]}}}]}"#, #"[{"features": [1, 2]}"#, #"[{"features": [1, 2]]"#,
    ])
    func everyOtherRecordObjectGoesTheGeneralWay(_ body: String) {
        #expect(Self.fastValues(body, featureCount: 2, acceptsFeaturesObject: true) == nil, "\(body)")
    }

    @Test func featuresObjectsAreReadOnlyWhereAccepted() {
        let body = #"{"instances": [{"features": [1, 2]}, [3, 4]]}"#
        #expect(Self.fastValues(body, featureCount: 2, acceptsFeaturesObject: true)?.values == [1, 2, 3, 4])
        #expect(Self.fastValues(body, featureCount: 2) == nil)
    }

    static func recordValues(_ line: String, featureCount: Int, acceptsFeaturesObject: Bool = true) -> [Double]? {
        // After a row already read, as in a body: a record read or refused leaves that row as it was.
        var row = ScratchValues()
        row.append(-7)
        let read = Array(line.utf8).withUnsafeBufferPointer {
            JSONNumberRows(featureCount: featureCount).readRecord($0, acceptsFeaturesObject: acceptsFeaturesObject, into: &row)
        }
        #expect(row.values.first == -7)
        return read ? Array(row.values.dropFirst()) : nil
    }

    /// A JSON Lines record of plain numbers, bare or as `{"features": […]}`, gives the general path's doubles bit
    /// for bit; and the whole JSON Lines decoder gives the same batch as reading every line through a JSON tree.
    @Test func plainRecordsGiveTheGeneralReadersValuesBitForBit() throws {
        let numbers = ["0", "-0", "1", "-12", "3.25", "0.1", "1e3", "1E-3", "2.5e+10", "1234567890123456789",
                       "0.30000000000000004", "0.30000001192092896", "1e308", "4.9e-324", "3.4028235e38", "null"]
        var state: UInt64 = 11
        func next() -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33)
        }
        let spaces = ["", " ", "\t", "\r"]
        for trial in 0..<300 {
            let featureCount = next() % 6 + 1
            let row = "[" + spaces[next() % 4] + (0..<featureCount).map { _ in numbers[next() % numbers.count] }
                .joined(separator: spaces[next() % 4] + "," + spaces[next() % 4]) + spaces[next() % 4] + "]"
            let line = trial % 2 == 0 ? row : spaces[next() % 4] + "{" + spaces[next() % 4] + "\"features\"" + spaces[next() % 4] + ":" + row + "}" + spaces[next() % 4]
            let fast = try #require(Self.recordValues(line, featureCount: featureCount), "\(line)")
            let document = try JSONReader.parse(Array(line.utf8))
            let general = (document["features"] ?? document).array!.map { $0.number ?? .nan }
            #expect(fast.map(\.bitPattern) == general.map(\.bitPattern), "\(line)")
            let body = Array((line + "\n" + row + "\r\n").utf8)
            let batch = try JSONLinesDecoder(options: .init(precision: .float64)).decode(body, featureCount: featureCount)
            #expect(batch.doubles?.map(\.bitPattern) == (general + general).map(\.bitPattern), "\(line)")
        }
    }

    @Test(arguments: [
        #"[1, "a"]"#, "[1, 2, 3]", "[1]", #"{"features": [1, 2], "extra": 1}"#, #"{"data": {"features": {"values": [1, 2]}}}"#,
        #"{"Features": [1, 2]}"#, "[NaN, 2]", "[1, 2] [3, 4]", "[1, 2],", "[[1, 2]]", "[01, 2]", "[1, 2", #"{"features": [1, 2]"#,
    ])
    func everyOtherRecordGoesTheGeneralWay(_ line: String) {
        #expect(Self.recordValues(line, featureCount: 2) == nil, "\(line)")
    }

    /// A record the one pass gives up on partway — after a value or two went into the batch — is read from its start
    /// by the general path, the values it had added dropped: every row keeps its own values, in float32 and in the
    /// kept doubles alike.
    @Test(arguments: [FeaturePrecision.float32, .float64])
    func aRecordGivenUpPartwayLeavesNothingBehind(precision: FeaturePrecision) throws {
        let body = "[1, 2, 3]\n[4, NaN, 6]\n[7, 8, 9]\n{\"features\": [10, 11, 12], \"extra\": 1}\n[13, 14, 15]\n"
        let batch = try JSONLinesDecoder(options: .init(precision: precision)).decode(Array(body.utf8), featureCount: 3)
        let expected: [Double] = [1, 2, 3, 4, .nan, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15]
        #expect(batch.rowCount == 5)
        #expect(batch.values.map(\.bitPattern) == expected.map { Float($0).bitPattern })
        #expect(batch.doubles?.map(\.bitPattern) == (precision == .float64 ? expected.map(\.bitPattern) : nil))
    }

    @Test func aFeaturesObjectIsLeftToTheGeneralPathWhereAFeatureIsNamedFeatures() {
        #expect(Self.recordValues(#"{"features": [1, 2]}"#, featureCount: 2, acceptsFeaturesObject: false) == nil)
        #expect(Self.recordValues("[1, 2]", featureCount: 2, acceptsFeaturesObject: false) == [1, 2])
    }
}
