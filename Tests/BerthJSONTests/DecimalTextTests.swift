import Testing
@testable import BerthJSON

/// The fast path of decimal conversion must give exactly the correctly rounded double, as strtod does.
@Suite struct DecimalTextTests {
    func parse(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalText.parseDouble($0) }
    }

    @Test func randomDecimalsMatchTheCorrectlyRoundedValueBitForBit() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        for _ in 0..<200_000 {
            let digits = 1 + Int(next() % 19)
            var text = next() % 2 == 0 ? "-" : ""
            let point = Int(next() % UInt64(digits + 1))
            for position in 0..<digits {
                if position == point && position > 0 { text += "." }
                text += String(next() % 10)
            }
            if next() % 3 == 0 { text += "e" + String(Int(next() % 61) - 30) }
            let expected = Double(text)!
            let parsed = parse(text)
            #expect(parsed?.bitPattern == expected.bitPattern, "\(text): \(String(describing: parsed)) vs \(expected)")
            if parsed?.bitPattern != expected.bitPattern { return }
        }
    }

    @Test func edgeCases() {
        #expect(parse("0.1") == 0.1)
        #expect(parse("-0")?.sign == .minus)
        #expect(parse("1e22") == 1e22)
        #expect(parse("1e23") == 1e23)
        #expect(parse("123456789012345678") == 123456789012345678)
        #expect(parse("9007199254740993") == 9007199254740993)
        #expect(parse(".5") == 0.5)
        #expect(parse("inf") == .infinity)
        #expect(parse("1e") == nil)
        #expect(parse("1.2.3") == nil)
        #expect(parse("") == nil)
        // Long numbers, as Python's repr of a Decimal or a spreadsheet export can write them, are read whole.
        #expect(parse("0." + String(repeating: "3", count: 300)) == 1.0 / 3.0)
        #expect(parse(String(repeating: "1", count: DecimalText.maxLength + 1)) == nil)
    }

    func prefix(_ text: String) -> (value: Double, length: Int)? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalText.parsePlainPrefix($0) }
    }

    @Test func aPlainPrefixStopsAtTheFirstByteOutsideTheNumber() {
        #expect(prefix("1.5,2").map { [$0.value, Double($0.length)] } == [1.5, 3])
        #expect(prefix("-2e3\n").map { [$0.value, Double($0.length)] } == [-2000, 4])
        #expect(prefix("7e+2x").map { [$0.value, Double($0.length)] } == [700, 4])
        #expect(prefix("+1.25;").map { [$0.value, Double($0.length)] } == [1.25, 5])
        #expect(prefix("-0.0,").map { [$0.value, Double($0.length)] } == [0, 4])
        #expect(prefix("-0.0,")?.value.sign == .minus)
        #expect(prefix("9007199254740992,").map { [$0.value, Double($0.length)] } == [9007199254740992, 16])  // 2^53
        #expect(prefix("1234567890123456") != nil)  // 16 digits, below 2^53
    }

    @Test func aPrefixTheFastPathCannotRoundCorrectlyIsLeftToTheGeneralPath() {
        #expect(prefix("9007199254740993") == nil)  // 2^53 + 1: not an exact double
        #expect(prefix("0.00000000000000000001") == nil)  // 21 digits: the mantissa could have wrapped
        #expect(prefix("1e23") == nil)  // beyond the exact powers of ten
        #expect(prefix("1e") == nil)
        #expect(prefix(",1") == nil)
        #expect(prefix("-") == nil)
        #expect(prefix("nan") == nil)
    }
}
