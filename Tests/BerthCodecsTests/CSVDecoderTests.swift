import BerthCore
import Testing
@testable import BerthCodecs

@Suite struct CSVDecoderTests {
    let decoder = CSVDecoder()

    func decode(_ text: String, features: Int = 3) throws(CodecError) -> FeatureBatch {
        try decoder.decode(Array(text.utf8), featureCount: features)
    }

    @Test func readsRowsWithEveryLineEnding() throws {
        for body in ["1,2,3\n4,5,6", "1,2,3\n4,5,6\n", "1,2,3\r\n4,5,6\r\n", "1,2,3\n4,5,6\n\n \n\r\n"] {
            let batch = try decode(body)
            #expect(batch.rowCount == 2)
            #expect(batch.values == [1, 2, 3, 4, 5, 6])
        }
    }

    @Test func emptyFieldsAndNaNAreMissing() throws {
        let batch = try decode(",nan,NaN\n1e-10, 2 ,\"3.5\"\n-NAN,,")
        #expect(batch.values[0].isNaN && batch.values[1].isNaN && batch.values[2].isNaN)
        #expect(batch.values[3] == Float(1e-10) && batch.values[4] == 2 && batch.values[5] == 3.5)
        #expect(batch.values[6].isNaN && batch.values[7].isNaN && batch.values[8].isNaN)
    }

    @Test func narrowsThroughDoubleLikeNumpy() throws {
        // 0.1 parsed as a double, then narrowed: the same float32 xgboost sees from numpy.
        #expect(try decode("0.1", features: 1).values == [Float(Double("0.1")!)])
    }

    @Test func headerRowIsNamedAsAHeader() {
        let error = #expect(throws: CodecError.self) { try decode("a,b,c\n1,2,3") }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("header-less CSV") == true)
    }

    @Test func featureCountMismatchNamesBothCounts() {
        let fewer = #expect(throws: CodecError.self) { try decode("1,2\n") }
        #expect(fewer?.message.contains("has 2 values but the model takes 3 features") == true)
        let label = #expect(throws: CodecError.self) { try decode("1,2,3\n0,1,2,3\n") }
        #expect(label?.message.contains("line 2 has 4 values") == true)
        #expect(label?.message.contains("label") == true)
    }

    @Test(arguments: ["1,2,x", "1,2,0x10", "1,2,--1", "1,2,1e", "\u{01},2,3\n1,2,3"])
    func garbageIsABadRequest(_ body: String) {
        let error = #expect(throws: CodecError.self) { try decode(body) }
        #expect(error?.kind == .badRequest)
    }

    @Test func errorMessagesQuoteOnlyAShortPrintableExcerpt() {
        let long = "1,2," + String(repeating: "z", count: 500) + "\u{07}"
        let error = #expect(throws: CodecError.self) { try decode("1,2,3\n" + long) }
        #expect((error?.message.count ?? 1000) < 200)
        #expect(error?.message.contains("\u{07}") == false)
    }

    @Test func emptyBodyHasNoRows() {
        #expect(throws: CodecError.self) { try decode("") }
        #expect(throws: CodecError.self) { try decode("\n\n  \n") }
    }

    /// A blank line before a row would make the answer shorter than the body, and shift every later record of a
    /// batch transform join; blank lines after the last row are only line ends.
    @Test func aBlankLineBeforeARowIsRefusedNamingIt() {
        for (body, line) in [("1,2,3\n\n4,5,6", 2), ("\n1,2,3", 1), ("1,2,3\r\n \t\r\n\r\n4,5,6\r\n", 2)] {
            let error = #expect(throws: CodecError.self) { try decode(body) }
            #expect(error?.kind == .badRequest)
            #expect(error?.message.hasPrefix("line \(line) is blank") == true, "\(body): \(error?.message ?? "")")
        }
    }

    /// xgboost refuses infinite inputs, and so does the official container; so does Berth, naming the field —
    /// also a number too large for float32, which becomes infinite on the way into the model.
    @Test func anInfiniteValueIsRefusedNamingItsLineAndColumn() throws {
        for (body, place, field) in [("1,2,3\n1,inf,3", "line 2, column 2", "inf"), ("-Infinity,1,2", "line 1, column 1", "-Infinity"),
                                     ("1,2,1e39", "line 1, column 3", "1e39"), ("1,2,\"-1e400\"", "line 1, column 3", "\"-1e400\"")] {
            let error = #expect(throws: CodecError.self) { try decode(body) }
            #expect(error?.kind == .badRequest)
            #expect(error?.message.hasPrefix("\(place): '\(field)' is infinite") == true, "\(body): \(error?.message ?? "")")
        }
        #expect(try decode("3.4e38,-1e-400,nan").values.prefix(2) == [Float(3.4e38), -0.0])
    }

    /// One value too many is named for what it most likely is: an empty value after a trailing delimiter, or a label.
    @Test func oneValueTooManyIsExplained() throws {
        for (body, hint) in [("1,2,3,\n", "it ends with ',', which adds an empty last value"),
                             ("1\t2\t3\t\r\n", "it ends with a tab"), ("0,1,2,3\n", "if the first column is the label, drop it")] {
            let error = #expect(throws: CodecError.self) { try decode(body) }
            #expect(error?.message.hasPrefix("line 1 has 4 values but the model takes 3 features: ") == true)
            #expect(error?.message.contains(hint) == true, "\(body): \(error?.message ?? "")")
        }
    }

    /// A UTF-8 byte order mark before the first line (Excel's "CSV UTF-8") is not data, nor a header.
    @Test func aByteOrderMarkIsSkipped() throws {
        #expect(try decode("\u{FEFF}1,2,3\n4,5,6\n").values == [1, 2, 3, 4, 5, 6])
    }

    /// The official container takes the delimiter from the first line, as Python's csv.Sniffer picks it there.
    @Test func theDelimiterComesFromTheFirstLine() throws {
        for body in ["1\t2\t3\n4\t\t6", "1;2;3\n4;;6", "1 2 3\n4  6", "1:2:3\n4::6", "1,2,3\n4,,6", "1|2|3\n4||6"] {
            let values = try decode(body).values
            #expect(values.count == 6 && values[0...3] == [1, 2, 3, 4] && values[4].isNaN && values[5] == 6, "\(body)")
        }
        // A comma anywhere on the first line wins over the other delimiters, as it does in the sniffer.
        let error = #expect(throws: CodecError.self) { try decode("1;2,3\n") }
        #expect(error?.message.contains("'1;2' is not a number") == true)
    }

    @Test(arguments: [
        ("0.5,0.25;0.125", ","), ("1\t2;3", "\t"), ("1;2 3", ";"), ("1 2:3", " "), ("1:2", ":"),
        // No preferred delimiter: the most frequent character, the higher code on a tie, unless alphanumeric.
        ("11|22|33", "|"), ("1.5|2.5|3.5|4.5", ","), ("1.0|1.5|2.0", "."), ("1111", ","), ("abc", ","), ("é|é", "|"),
    ])
    func theSniffedDelimiterFollowsPythonsRule(_ line: String, _ delimiter: Character) {
        let sniffed = Array(line.utf8).withUnsafeBufferPointer { CSVDelimiter(firstLine: $0).byte }
        #expect(sniffed == delimiter.asciiValue, "\(line)")
    }

    @Test func onlyTheFirst512BytesOfTheFirstLineAreSniffed() {
        for late in [";", ","] {
            let line = String(repeating: "1|", count: 256) + late + "1"
            let sniffed = Array(line.utf8).withUnsafeBufferPointer { CSVDelimiter(firstLine: $0).byte }
            #expect(sniffed == UInt8(ascii: "|"), "\(late) past the sniffed prefix")
        }
    }

    /// Plain numbers are read in one pass with their comma; every other field is cut at its comma first. Both
    /// roads must give the value the field gives alone, whatever mix of fields a line holds — as float32, and as
    /// the double a model that compares doubles keeps.
    @Test func theOnePassRoadAgreesWithReadingEachFieldAlone() throws {
        let fields = ["1", "-0.25", "3.", ".5", "+7", "1e3", "2.5E-4", "0.000123", "123456789012345", "1234567890123456789",
                      "", " 4 ", "\"5.5\"", "nan", "-1e-400", "3.4e38", "0.1e-30", "007", "9.999999e22"]
        var seed: UInt64 = 7
        for _ in 0..<500 {
            var line = [String]()
            for _ in 0..<5 {
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                line.append(fields[Int(seed >> 33) % fields.count])
            }
            let values = try decode(line.joined(separator: ","), features: 5).values
            let doubles = try CSVDecoder(options: .init(precision: .float64))
                .decode(Array(line.joined(separator: ",").utf8), featureCount: 5).doubles ?? []
            #expect(doubles.count == 5)
            for (field, (value, double)) in zip(line, zip(values, doubles)) {
                let alone = Array(field.utf8).withUnsafeBufferPointer { CSVDecoder.number($0, 0..<$0.count) }
                #expect(alone.map { $0.isNaN ? value.isNaN : Float($0).bitPattern == value.bitPattern } == true, "\(field) in \(line)")
                #expect(alone.map { $0.isNaN ? double.isNaN : $0.bitPattern == double.bitPattern } == true, "\(field) in \(line)")
            }
        }
    }

    @Test func aPlainNumberFollowedByMoreThanADelimiterIsRefusedWithTheWholeField() {
        for (body, field) in [("1,3.5x", "3.5x"), ("1,3-4", "3-4"), ("1,2e5e", "2e5e"), ("2.5.1,1", "2.5.1")] {
            let error = #expect(throws: CodecError.self) { try decode("1,2,3\n" + body, features: 3) }
            #expect(error?.message.contains("'\(field)' is not a number") == true, "\(body)")
        }
    }
}
