import BerthTestSupport
import Testing
@testable import BerthJSON

/// The fast path of decimal conversion must give exactly the correctly rounded double, as strtod does.
@Suite struct DecimalTextTests {
    func parse(_ text: String) -> Double? {
        Array(text.utf8).withUnsafeBufferPointer { DecimalText.parseDouble($0) }
    }

    /// A decimal of 1 to 19 digits, a sign half the time, a point anywhere, and, one time in `exponentEvery`, an
    /// exponent within ±`exponentRange`.
    static func randomDecimal(_ random: inout SplitMix64, exponentEvery: UInt64, exponentRange: Int) -> String {
        let digits = 1 + Int(random.next() % 19)
        var text = random.next() % 2 == 0 ? "-" : ""
        let point = Int(random.next() % UInt64(digits + 1))
        for position in 0..<digits {
            if position == point && position > 0 { text += "." }
            text += String(random.next() % 10)
        }
        if random.next() % exponentEvery == 0 { text += "e" + String(Int(random.next() % UInt64(2 * exponentRange + 1)) - exponentRange) }
        return text
    }

    @Test func randomDecimalsMatchTheCorrectlyRoundedValueBitForBit() {
        var random = SplitMix64(seed: 0x9E37_79B9_7F4A_7C15)
        for _ in 0..<200_000 {
            let text = Self.randomDecimal(&random, exponentEvery: 3, exponentRange: 30)
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

    /// Python's `repr` of a double (17 significant digits, as pandas' `to_csv` writes them) and other long
    /// mantissas with powers of ten from -55 to 19 go through Eisel and Lemire's step, which must give strtod's double
    /// bit for bit, and take it rather than strtod nearly always.
    @Test func longMantissasMatchStrtodThroughEiselLemire() {
        var random = SplitMix64(seed: 0x2545_F491_4F6C_DD1D)
        func next() -> UInt64 { random.next() }
        var leftToStrtod = 0
        let count = 300_000
        for _ in 0..<count {
            let digits = 15 + Int(next() % 5)
            var text = next() % 2 == 0 ? "-" : ""
            text += String(1 + next() % 9) + "."
            for _ in 1..<digits { text += String(next() % 10) }
            text += "e" + String(Int(next() % 71) - 37)
            let expected = Double(text)!
            let parsed = parse(text)
            #expect(parsed?.bitPattern == expected.bitPattern, "\(text): \(String(describing: parsed)) vs \(expected)")
            if parsed?.bitPattern != expected.bitPattern { return }
            let fast = prefix(text)
            if let fast {
                #expect(fast.value.bitPattern == expected.bitPattern && fast.length == text.utf8.count, "\(text)")
            } else {
                leftToStrtod += 1
            }
        }
        // Only values within two units of a halfway point are strtod's: among these, the exact ties (numbers past
        // 2^52 such as 4.27305902908373425e15, halfway between two doubles), about 1 in 1,000.
        #expect(leftToStrtod < count / 500, "\(leftToStrtod) of \(count) left to strtod")
        // Every double's own 17-digit form, across the whole range the table covers.
        for _ in 0..<100_000 {
            let value = Double(bitPattern: next() & 0x7FFF_FFFF_FFFF_FFFF)
            guard value.isFinite, value > 1e-36, value < 1e37 else { continue }
            let text = "\(value)"
            #expect(parse(text)?.bitPattern == value.bitPattern, "\(text)")
        }
    }

    /// Numbers of 17 to 19 digits a hair below and above halfway between two doubles, and exact ties, with CPython's
    /// correctly rounded `float()` of each (`opt-ml-fixtures/decimal-halfway-vectors.json`, written by
    /// `generate_decimal_vectors.py`): every path (`parseDouble`, the one-pass prefix, the JSON reader's number) must
    /// give that double where it gives one, and the one-pass prefix must leave every exact tie to strtod.
    @Test func nearHalfwayNumbersMatchCPython() throws {
        let document = try JSONReader.parse(try Fixtures.bytes(Fixtures.root + "/decimal-halfway-vectors.json"))
        let vectors = try #require(document.array)
        #expect(vectors.count == 2_000)
        var decidedByThePrefix = 0
        for vector in vectors {
            let text = try #require(vector.array?[0].string), expected = try #require(vector.array?[1].string.flatMap { UInt64($0) })
            #expect(parse(text)?.bitPattern == expected, "\(text)")
            let json = Array(text.utf8).withUnsafeBufferPointer { buffer -> Double? in
                var position = 0
                return try? JSONReader.number(in: buffer, at: &position)
            }
            #expect(json?.bitPattern == expected, "\(text)")
            if let fast = prefix(text) {
                #expect(fast.value.bitPattern == expected && fast.length == text.utf8.count, "\(text)")
                decidedByThePrefix += 1
            }
        }
        // Most are decided in one pass; the ties (the last 500) never are, nor the few too close to halfway.
        #expect(decidedByThePrefix > 1_000 && decidedByThePrefix <= 1_500, "\(decidedByThePrefix)")
    }

    @Test func eiselLemireKnownValues() {
        #expect(prefix("0.30000001192092896")?.value == 0.30000001192092896)
        #expect(prefix("1.2345678901234567e19")?.value == 1.2345678901234567e19)  // more digits than 2^53 holds
        #expect(prefix("1e-30")?.value == 1e-30)  // beyond the exact powers of ten
        #expect(prefix("9.999999999999999999e37")?.value == 9.999999999999999999e37)
        // 10^23: a power past those Eisel and Lemire's step takes (up to 19), for strtod.
        #expect(prefix("1e23") == nil)
        #expect(parse("1e23") == 1e23)
        #expect(prefix("-1.7976931348623157e35")?.value == -1.7976931348623157e35)
        #expect(prefix("2.2250738585072014e-36")?.value == 2.2250738585072014e-36)
        #expect(prefix("0.0000e-40")?.value == 0)
        #expect(prefix("-0e-40")?.value.sign == .minus)
        // 2^53 + 2 and the double after 0.1 are not ties: decided without strtod.
        #expect(prefix("9007199254740994")?.value == 9007199254740994)
        #expect(prefix("0.10000000000000002")?.value == 0.10000000000000002)
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

    /// Numbers followed by more of a CSV line, as the CSV decoder meets them: the value and length must be what the
    /// number alone gives.
    @Test func randomNumbersInsideALineMatchTheCorrectlyRoundedValue() {
        var random = SplitMix64(seed: 0x1405_7B7E_F767_814F)
        for _ in 0..<100_000 {
            let text = Self.randomDecimal(&random, exponentEvery: 4, exponentRange: 20)
            let line = text + ",0.5,12345678,-3.25"
            let parsed = prefix(line)
            // Nil where the number alone is left to the general path too (a tie Eisel and Lemire's step cannot settle).
            guard let parsed else {
                #expect(prefix(text) == nil, "\(line)")
                continue
            }
            #expect(parsed.value.bitPattern == Double(text)!.bitPattern && parsed.length == text.utf8.count, "\(line)")
            if parsed.value.bitPattern != Double(text)!.bitPattern { return }
        }
    }

    @Test func aPrefixTheFastPathCannotRoundCorrectlyIsLeftToTheGeneralPath() {
        // 2^53 + 1 and 2^53 + 3: exactly halfway between two doubles, a tie only strtod settles (to even).
        #expect(prefix("9007199254740993") == nil)
        #expect(prefix("9007199254740995") == nil)
        #expect(parse("9007199254740995") == 9007199254740996)
        #expect(prefix("0.00000000000000000001") == nil)  // 21 digits: the mantissa could have wrapped
        #expect(prefix("2e25") == nil)  // past the powers Eisel and Lemire's step takes: up to 10^19, under float32's largest
        #expect(prefix("1e-56") == nil)
        #expect(prefix("1e") == nil)
        #expect(prefix(",1") == nil)
        #expect(prefix("-") == nil)
        #expect(prefix("nan") == nil)
    }
}

/// SplitMix64: a seeded stream of 64-bit numbers, the same on every run.
struct SplitMix64 {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
