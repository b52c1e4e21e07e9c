import Testing
@testable import BerthJSON

@Suite struct JSONReaderTests {
    /// A request's JSON array holds a value per number: a typed array is boxed so that none grows past 24 bytes.
    @Test func aValueStaysTwentyFourBytes() {
        #expect(MemoryLayout<JSONValue>.stride <= 24)
    }

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

    /// Numbers are read in one pass, the grammar checked while the digits are gathered: every number in JSON's
    /// grammar reads as the correctly rounded double (Swift's own conversion), fast path or not, and the
    /// near-misses stay errors.
    @Test func readsEveryNumberAsTheCorrectlyRoundedDouble() throws {
        var state: UInt64 = 0x853C_49E6_748F_EA9B
        func next(_ bound: UInt64) -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (state >> 33) % bound
        }
        func number(_ text: String) throws -> Double {
            var position = 0
            let bytes = Array((text + ",").utf8)
            let value = try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in try JSONReader.number(in: buffer, at: &position) }
            #expect(position == bytes.count - 1, "\(text)")
            return value
        }
        for _ in 0..<100_000 {
            var text = next(2) == 0 ? "-" : ""
            let integerDigits = 1 + Int(next(12))
            text += next(4) == 0 ? "0" : String(1 + next(9)) + (1..<integerDigits).map { _ in String(next(10)) }.joined()
            if next(2) == 0 { text += "." + (0...Int(next(12))).map { _ in String(next(10)) }.joined() }
            if next(3) == 0 { text += ["e", "E"][Int(next(2))] + ["", "+", "-"][Int(next(3))] + String(next(40)) }
            let value = try number(text)
            #expect(value.bitPattern == Double(text)!.bitPattern, "\(text)")
            if value.bitPattern != Double(text)!.bitPattern { return }
        }
        #expect(try number("-0").sign == .minus)
        #expect(try number("123456789012345678901234567890") == 123456789012345678901234567890)
        #expect(try number("1e0000000000000000000022") == 1e22)
        #expect(try number("4.9e-324") == .leastNonzeroMagnitude)
        for nearMiss in ["01", "-01", "1.", "-", "+1", ".5", "-.5", "1e", "1e+", "1.e5", "00"] {
            #expect(throws: JSONParseError.self, "\(nearMiss)") { try number(nearMiss) }
        }
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

/// Arrays listed rather than parsed (`JSONReader.parse(_:allowsNonFiniteNumbers:listingArraysAt:)`): each element,
/// parsed on its own, is what the whole document's parse holds there, and every error names its offset in the document.
@Suite struct ListedElementsTests {
    static let document = #"""
        {"a": {"trees": [ {"x": [1, 2.5e3, -0], "s": "]}\"{[", "n": {"deep": [[], {}]}} ,{"y": "\\"}, {}],
         "other": [1]}, "trees": [{"z": 1}], "b": -Infinity}
        """#

    @Test func elementsParsedOnTheirOwnAreTheWholeParsesElements() throws {
        let bytes = Array(Self.document.utf8)
        let whole = try JSONReader.parse(bytes, allowsNonFiniteNumbers: true)
        let (document, lists) = try JSONReader.parse(bytes, allowsNonFiniteNumbers: true, listingArraysAt: [["a", "trees"]])
        #expect(lists.count == 1 && lists[0].path == ["a", "trees"] && lists[0].elements.count == 3)
        let elements = try (0..<3).map { try JSONReader.parse(element: $0, of: lists[0], in: bytes, allowsNonFiniteNumbers: true) }
        #expect(JSONValue.array(elements) == whole["a"]!["trees"]!)
        // The listed member is left out of its object; an array of the same name elsewhere is parsed as usual.
        #expect(document["a"]!["trees"] == nil && document["a"]!["other"] == whole["a"]!["other"])
        #expect(document["trees"] == whole["trees"] && document["b"] == whole["b"])
        // The same keys inside an array's element are another path.
        let inArray = Array(#"{"a": [{"trees": [{"x": 1}]}]}"#.utf8)
        let (parsed, none) = try JSONReader.parse(inArray, listingArraysAt: [["a", "trees"]])
        let inArrayWhole = try JSONReader.parse(inArray)
        #expect(none.isEmpty && parsed == inArrayWhole)
    }

    /// The eight-byte step past numbers stops at every byte a listed element's end is found by, in every lane, and
    /// steps over every byte of a run of numbers.
    @Test func theWordStepStopsAtEveryStructuralByte() {
        for lane in 0..<8 {
            for byte in UInt8.min...UInt8.max {
                var bytes = [UInt8](repeating: UInt8(ascii: "7"), count: 8)
                bytes[lane] = byte
                let word = bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) }
                if Array("\"{}[]\\".utf8).contains(byte) { #expect(JSONReader.mayHoldStructure(word), "\(byte) in lane \(lane)") }
                if Array("0123456789,.-+eE \n\r\t".utf8).contains(byte) { #expect(!JSONReader.mayHoldStructure(word), "\(byte) in lane \(lane)") }
            }
        }
    }

    /// A listed element is only followed to its end; its syntax is checked when it is parsed, and an error there names
    /// the document's offset. What cannot be followed (an unterminated string, missing brackets) fails at once. Each
    /// is refused by the whole document's parse too, but for an element that is no object, which a list refuses.
    @Test(arguments: [
        (#"{"t": [{"a": [1, 2}]}]}"#, "expected ',' or ']' in an array at byte 20"),
        (#"{"t": [{"a": tru}]}"#, "invalid literal at byte 13"),
        (#"{"t": [{"a": 1}, {"b": 2 "c": 3}]}"#, "expected ',' or '}' in an object at byte 25"),
        (#"{"t": [{"a": 1} {"b": 2}]}"#, "expected ',' or ']' in an array at byte 16"),
        (#"{"t": [1, {"b": 2}]}"#, "the array at t holds something other than an object at byte 7"),
        (#"{"t": [{"a": "unterminated}]}"#, "unexpected end of JSON at byte 29"),
        (#"{"t": [{"a": [1}"#, "unexpected end of JSON at byte 16"),
    ])
    func malformedElementsAreRefusedAtTheirOffset(text: String, error expected: String) throws {
        let bytes = Array(text.utf8)
        let error = #expect(throws: JSONParseError.self) {
            let (_, lists) = try JSONReader.parse(bytes, listingArraysAt: [["t"]])
            for index in lists[0].elements.indices { _ = try JSONReader.parse(element: index, of: lists[0], in: bytes) }
        }
        #expect(error?.description == expected)
        if !expected.contains("other than an object") {
            #expect(throws: JSONParseError.self) { try JSONReader.parse(bytes) }
        }
    }
}
