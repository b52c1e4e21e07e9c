import BerthJSON
import Testing
@testable import BerthFormats

@Suite struct UBJSONReaderTests {
    /// `{"a": [$d#L 2 floats], "b": "hi", "c": [1, T]}` as xgboost writes it: big-endian, keys without 'S'.
    let document: [UInt8] = [
        UInt8(ascii: "{"),
        UInt8(ascii: "L"), 0, 0, 0, 0, 0, 0, 0, 1, UInt8(ascii: "a"),
        UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: "d"), UInt8(ascii: "#"), UInt8(ascii: "L"), 0, 0, 0, 0, 0, 0, 0, 2,
        0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0,
        UInt8(ascii: "L"), 0, 0, 0, 0, 0, 0, 0, 1, UInt8(ascii: "b"),
        UInt8(ascii: "S"), UInt8(ascii: "i"), 2, UInt8(ascii: "h"), UInt8(ascii: "i"),
        UInt8(ascii: "L"), 0, 0, 0, 0, 0, 0, 0, 1, UInt8(ascii: "c"),
        UInt8(ascii: "["), UInt8(ascii: "i"), 1, UInt8(ascii: "T"), UInt8(ascii: "]"),
        UInt8(ascii: "}"),
    ]

    @Test func readsXGBoostStyleUBJSON() throws {
        let value = try UBJSONReader.parse(document)
        #expect(value["a"] == .array([.number(1), .number(-2)]))
        #expect(value["b"] == .string("hi"))
        #expect(value["c"] == .array([.number(1), .bool(true)]))
    }

    @Test func everyTruncationIsAnErrorNotACrash() {
        for length in 0..<document.count {
            #expect(throws: JSONParseError.self) { try UBJSONReader.parse(Array(document.prefix(length))) }
        }
    }

    @Test func hugeCountsAreRefusedBeforeAllocating() {
        // [$d#L 2^62: claims 2^62 floats in a 15-byte file.
        let bomb: [UInt8] = [UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: "d"), UInt8(ascii: "#"), UInt8(ascii: "L"),
                             0x40, 0, 0, 0, 0, 0, 0, 0]
        #expect(throws: JSONParseError.self) { try UBJSONReader.parse(bomb) }
        let negative: [UInt8] = [UInt8(ascii: "["), UInt8(ascii: "#"), UInt8(ascii: "i"), 0xFF]
        #expect(throws: JSONParseError.self) { try UBJSONReader.parse(negative) }
    }

    /// A typed container of nulls or booleans spends no byte an element, so nested ones multiply: 200 arrays of
    /// `[$Z#I 600` (6 bytes each) would be 120,000 values from 1.2 KB. Refused; every element costs a byte.
    @Test func typedContainersOfElementsThatTakeNoBytesAreRefused() {
        let inner: [UInt8] = [UInt8(ascii: "$"), UInt8(ascii: "Z"), UInt8(ascii: "#"), UInt8(ascii: "I"), 0x02, 0x58]
        let nested = [UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: "["), UInt8(ascii: "#"), UInt8(ascii: "U"), 200]
            + Array([[UInt8]](repeating: inner, count: 200).joined())
        #expect(throws: JSONParseError.self) { _ = try UBJSONReader.parse(nested) }
        for marker in ["Z", "T", "F", "N"] {
            let flat = [UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: Unicode.Scalar(marker)!), UInt8(ascii: "#"), UInt8(ascii: "i"), 2]
            #expect(throws: JSONParseError.self, "\(marker)") { try UBJSONReader.parse(flat) }
        }
        // Typed containers whose elements take bytes still read.
        let strings: [UInt8] = [UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: "S"), UInt8(ascii: "#"), UInt8(ascii: "i"), 2,
                                UInt8(ascii: "i"), 1, UInt8(ascii: "a"), UInt8(ascii: "i"), 1, UInt8(ascii: "b")]
        #expect((try? UBJSONReader.parse(strings)) == .array([.string("a"), .string("b")]))
    }

    @Test func nestingIsBounded() {
        let deep = [UInt8](repeating: UInt8(ascii: "["), count: 50_000)
        #expect(throws: JSONParseError.self) { try UBJSONReader.parse(deep) }
    }

    @Test func typedArraysOfEveryNumericTypeDecodeAsNumbers() throws {
        // [$<type>#i3 ...] for each marker, big-endian: the values 1, -2 (or 254 for U), 3.
        let cases: [(UInt8, [UInt8], [Double])] = [
            (UInt8(ascii: "i"), [1, 0xFE, 3], [1, -2, 3]),
            (UInt8(ascii: "U"), [1, 0xFE, 3], [1, 254, 3]),
            (UInt8(ascii: "I"), [0, 1, 0xFF, 0xFE, 0, 3], [1, -2, 3]),
            (UInt8(ascii: "l"), [0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 3], [1, -2, 3]),
            (UInt8(ascii: "L"), [0, 0, 0, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFE, 0, 0, 0, 0, 0, 0, 0, 3], [1, -2, 3]),
            (UInt8(ascii: "d"), [0x3F, 0x80, 0, 0, 0xC0, 0, 0, 0, 0x40, 0x40, 0, 0], [1, -2, 3]),
            (UInt8(ascii: "D"), [0x3F, 0xF0, 0, 0, 0, 0, 0, 0, 0xC0, 0, 0, 0, 0, 0, 0, 0, 0x40, 0x08, 0, 0, 0, 0, 0, 0], [1, -2, 3]),
        ]
        for (marker, payload, expected) in cases {
            let bytes = [UInt8(ascii: "["), UInt8(ascii: "$"), marker, UInt8(ascii: "#"), UInt8(ascii: "i"), 3] + payload
            let value = try UBJSONReader.parse(bytes)
            #expect(value.numbers == expected, "marker \(Character(UnicodeScalar(marker)))")
            // Outside a listed tree a typed array is doubles; converted on, it gives what the tree path gives.
            #expect(value.mapNumbers { Float($0) } == expected.map { Float($0) })
            #expect(value.mapNumbers { Int32(exactly: $0) } == expected.map { Int32(exactly: $0) })
            #expect(value == .array(expected.map { .number($0) }))
            #expect(throws: JSONParseError.self) { try UBJSONReader.parse(Array(bytes.dropLast())) }
        }
    }

    /// `{"m": {"trees": [{"a": [$l#i2 1 -2], "a": "last"}, {#i1 "b" [i5 ]}], "x": T}}`: the trees array as a
    /// plain container of one uncounted and one counted object, with a repeated key.
    let listedDocument: [UInt8] = [
        UInt8(ascii: "{"), UInt8(ascii: "i"), 1, UInt8(ascii: "m"),
        UInt8(ascii: "{"), UInt8(ascii: "i"), 5] + Array("trees".utf8) + [
        UInt8(ascii: "["),
        UInt8(ascii: "{"), UInt8(ascii: "i"), 1, UInt8(ascii: "a"),
        UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: "l"), UInt8(ascii: "#"), UInt8(ascii: "i"), 2, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFE,
        UInt8(ascii: "i"), 1, UInt8(ascii: "a"), UInt8(ascii: "S"), UInt8(ascii: "i"), 4] + Array("last".utf8) + [
        UInt8(ascii: "}"),
        UInt8(ascii: "{"), UInt8(ascii: "#"), UInt8(ascii: "i"), 1, UInt8(ascii: "i"), 1, UInt8(ascii: "b"),
        UInt8(ascii: "["), UInt8(ascii: "i"), 5, UInt8(ascii: "]"),
        UInt8(ascii: "]"),
        UInt8(ascii: "i"), 1, UInt8(ascii: "x"), UInt8(ascii: "T"),
        UInt8(ascii: "}"), UInt8(ascii: "}"),
    ]

    @Test func objectsUnderTheListedKeyBecomeMemberListsLeftOutOfTheirObject() throws {
        let (document, lists) = try UBJSONReader.parse(listedDocument, listingObjectsUnder: "trees")
        #expect(document == .object(["m": .object(["x": .bool(true)])]))
        #expect(lists.count == 1)
        #expect(lists.first?.path == ["m", "trees"])
        let trees = try #require(lists.first?.objects)
        #expect(trees.count == 2)
        #expect(trees[0].members.map(\.key) == ["a", "a"])
        #expect(trees[0]["a"] == .string("last"), "a repeated key keeps its last value, as in a dictionary")
        guard case .numbers(let kept) = trees[0].members[0].value else {
            Issue.record("a typed array in a listed object is kept as the document's bytes")
            return
        }
        #expect(kept.element == .int32 && kept.map { Int32(exactly: $0) } == [1, -2])
        #expect(trees[1]["b"] == .array([.number(5)]))
        #expect(trees[1]["a"] == nil)
        // Without listing, the same document parses as before.
        let plain = try UBJSONReader.parse(listedDocument)
        #expect(plain["m"]?["trees"] == .array([trees[0].object, trees[1].object]))
        #expect(trees[0].object == .object(["a": .string("last")]))
    }

    /// Typed arrays read straight into another type: 64-bit integers beyond 2^53 round as `Double(_:)` does, NaN
    /// stays NaN, and an empty array is empty.
    @Test func typedArraysKeepTheirEdgeValues() throws {
        func typed(_ marker: Character, _ count: UInt8, _ payload: [UInt8]) throws -> JSONValue {
            try UBJSONReader.parse([UInt8(ascii: "["), UInt8(ascii: "$"), UInt8(ascii: marker.unicodeScalars.first!), UInt8(ascii: "#"),
                                    UInt8(ascii: "i"), count] + payload)
        }
        let large = try typed("L", 1, [0x00, 0x20, 0, 0, 0, 0, 0, 0x01])  // 2^53 + 1
        #expect(large.numbers == [Double(9_007_199_254_740_993 as Int64)])
        let nans = try typed("d", 1, [0x7F, 0xC0, 0, 0]).mapNumbers { Float($0) }
        #expect(nans?.count == 1 && nans?[0].isNaN == true)
        let doubleNaN = try typed("D", 1, [0x7F, 0xF8, 0, 0, 0, 0, 0, 0]).numbers
        #expect(doubleNaN?.count == 1 && doubleNaN?[0].isNaN == true)
        #expect(try typed("l", 0, []).mapNumbers { Int32(exactly: $0) } == [])
        #expect(try typed("l", 0, []) == .array([]))
    }

    @Test func everyTruncationOfAListedDocumentIsAnError() {
        for length in 0..<listedDocument.count {
            #expect(throws: JSONParseError.self) {
                try UBJSONReader.parse(Array(listedDocument.prefix(length)), listingObjectsUnder: "trees")
            }
        }
    }

    @Test func aListedArrayHoldsOnlyObjects() throws {
        // {"trees": [i1 ]}
        let numbers: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "i"), 5] + Array("trees".utf8)
            + [UInt8(ascii: "["), UInt8(ascii: "i"), 1, UInt8(ascii: "]"), UInt8(ascii: "}")]
        #expect(throws: JSONParseError.self) { try UBJSONReader.parse(numbers, listingObjectsUnder: "trees") }
        #expect(try UBJSONReader.parse(numbers)["trees"] == .array([.number(1)]))
        // {"trees": [#L 2^40 : more objects than bytes left.
        let bomb: [UInt8] = [UInt8(ascii: "{"), UInt8(ascii: "i"), 5] + Array("trees".utf8)
            + [UInt8(ascii: "["), UInt8(ascii: "#"), UInt8(ascii: "L"), 0, 0, 1, 0, 0, 0, 0, 0]
        #expect(throws: JSONParseError.self) { try UBJSONReader.parse(bomb, listingObjectsUnder: "trees") }
    }
}
