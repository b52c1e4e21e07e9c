import Testing
@testable import BerthJSON

@Suite struct JSONReaderTests {
    /// `NaN`, `Infinity` and `-Infinity` are numbers only where asked for (Open Inference Protocol requests, which
    /// Python's json and Triton's server write and read); strict JSON refuses them, and near-misses stay errors.
    @Test func nonFiniteLiteralsOnlyWhereAllowed() throws {
        let text = Array("[NaN, Infinity, -Infinity, -1.5]".utf8)
        let values = try #require(JSONReader.parse(text, allowsNonFiniteNumbers: true).array).map { $0.number! }
        #expect(values[0].isNaN && values[1] == .infinity && values[2] == -.infinity && values[3] == -1.5)
        #expect(throws: JSONParseError.self) { try JSONReader.parse(text) }
        for nearMiss in ["[nan]", "[Inf]", "[-Inf]", "[NaNa]", "[-I]", "[+Infinity]"] {
            #expect(throws: JSONParseError.self, "\(nearMiss)") { try JSONReader.parse(Array(nearMiss.utf8), allowsNonFiniteNumbers: true) }
        }
    }

    @Test func parsesEveryKindOfValue() throws {
        let value = try JSONReader.parse(Array(#" {"a": [1, -2.5e3, true, false, null], "b": "x\"\u00e9\n", "c": {}} "#.utf8))
        #expect(value["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(value["b"] == .string("x\"é\n"))
        #expect(value["c"] == .object([:]))
    }

    @Test func decodesSurrogatePairs() throws {
        #expect(try JSONReader.parse(Array(#""\ud83d\ude00""#.utf8)) == .string("😀"))
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(#""\ud83d""#.utf8)) }
    }

    @Test(arguments: ["", "[", "[1,]", "{\"a\" 1}", "01", "1.", "-", "1e", "tru", "[1] 2", "\"abc", "{\"a\":1,}", "nan", "'a'", "\"\u{01}\""])
    func refusesMalformedDocuments(_ text: String) {
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(text.utf8)) }
    }

    @Test func boundsNesting() {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try JSONReader.parse(Array(deep.utf8)) }
        let fine = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(throws: Never.self) { try JSONReader.parse(Array(fine.utf8)) }
    }

    @Test func readsNumbersLikePython() throws {
        // 0.1 as a double narrowed to float32 — the same path numpy → DMatrix takes.
        let value = try JSONReader.parse(Array("0.1".utf8))
        #expect(value.number.map(Float.init) == Float(0.1))
        #expect(try JSONReader.parse(Array("1E-10".utf8)) == .number(1e-10))
    }

    @Test func writesEscapedStrings() {
        #expect(JSONText.quoted("a\"b\\c\n\u{01}") == #""a\"b\\c\n\u0001""#)
        var bytes = [UInt8]()
        JSONText.appendNumber(.nan, to: &bytes)
        #expect(String(decoding: bytes, as: UTF8.self) == "null")
    }
}

/// A tree written back as text reads back as the same tree, with keys in a stable order and integers as integers.
@Suite struct JSONWritingTests {
    @Test func writtenTextReadsBackTheSameTree() throws {
        let tree = JSONValue.object(["b": .array([.number(6), .number(0.5), .null, .bool(true)]), "a": .string("quote \" and\nline"),
                                     "c": .object([:]), "d": .numberArray([1, -2.25])])
        let text = tree.jsonText
        #expect(String(decoding: text, as: UTF8.self) == #"{"a":"quote \" and\nline","b":[6,0.5,null,true],"c":{},"d":[1,-2.25]}"#)
        #expect(try JSONReader.parse(text) == tree)
    }
}
