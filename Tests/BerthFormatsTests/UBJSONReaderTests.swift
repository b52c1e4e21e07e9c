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
            #expect(value == .array(expected.map { .number($0) }))
            #expect(throws: JSONParseError.self) { try UBJSONReader.parse(Array(bytes.dropLast())) }
        }
    }
}
