extension DecimalText {
    /// The powers of ten `eiselLemire` takes. Down to 10^-55, which covers what Python, numpy and pandas write for
    /// values from about 1e-38 up with 17 significant digits; up to 10^19, so that no value it gives reaches 10^38 (19
    /// digits times 10^19): past that a value may be infinite as a float32, which the decoders check for only on
    /// their general path (`strtod`).
    @usableFromInline static let eiselLemirePowers = -55...19

    /// ±`mantissa` × 10^`power`, correctly rounded, by Eisel and Lemire's method (Lemire, "Number Parsing at a
    /// Gigabyte per Second", 2021): the mantissa, shifted to fill 64 bits, times the top 128 bits of 5^`power` gives
    /// the value's top bits to within two units of the product's 128th bit, which decides the rounding unless the
    /// bits under the kept 53 lie within those two units of a halfway point (nil then, and the caller takes
    /// `strtod`). For a mantissa of at most 19 digits that has not wrapped and a power in `eiselLemirePowers`:
    /// where Clinger's step cannot help — more digits than 2^53 holds (Python's `repr` of most doubles writes 17)
    /// or a power beyond ±22.
    @usableFromInline @inline(never)
    static func eiselLemire(mantissa: UInt64, power: Int, negative: Bool) -> Double? {
        guard eiselLemirePowers.contains(power) else { return nil }
        guard mantissa != 0 else { return negative ? -0.0 : 0.0 }
        let five = ScaledPowerOfFive.table[power - eiselLemirePowers.lowerBound]
        let leadingZeros = mantissa.leadingZeroBitCount
        let shifted = mantissa << UInt64(leadingZeros)
        // The top 128 bits (`high`, `middle`) of the 192-bit product; what is dropped, and what 5^power's own last
        // bits would add, is under two units of `middle`, and only ever more than what is computed.
        let (highOfFirst, lowOfFirst) = shifted.multipliedFullWidth(by: five.high)
        let highOfSecond = shifted.multipliedFullWidth(by: five.low).high
        let (middle, carry) = lowOfFirst.addingReportingOverflow(highOfSecond)
        let high = highOfFirst &+ (carry ? 1 : 0)
        // `high` has its top bit at 63 or 62: keep 54 bits from there (53 and the rounding bit).
        let topBit = Int(high >> 63)
        let dropped = UInt64(9 + topBit)
        let kept = high >> dropped
        let under = high & ((1 << dropped) - 1)
        let roundingBit = kept & 1
        // Within two units under a halfway point the true value may reach it (or, from exactly halfway, pass it).
        if roundingBit == 0 && under == (1 << dropped) - 1 && middle >= .max - 1 { return nil }
        if roundingBit == 1 && under == 0 && middle <= 1 { return nil }
        var significand = (kept + roundingBit) >> 1
        var exponent = 190 + topBit + five.binaryExponent + power - leadingZeros
        if significand == 1 << 53 {
            significand = 1 << 52
            exponent += 1
        }
        let biased = exponent + 1023
        guard biased > 0 && biased < 2047 else { return nil }
        let bits = (negative ? 1 << 63 : 0) | UInt64(biased) << 52 | (significand & ((1 << 52) - 1))
        return Double(bitPattern: bits)
    }
}

/// 5^q for q in `DecimalText.eiselLemirePowers` as a 128-bit number with its top bit set (`high`, `low`) times
/// 2^`binaryExponent`: exact for q ≥ 0 (5^55 would still fit), cut (rounded down) below. Computed once, on the first long number.
struct ScaledPowerOfFive {
    let high: UInt64
    let low: UInt64
    let binaryExponent: Int

    static let table: [ScaledPowerOfFive] = DecimalText.eiselLemirePowers.map(ScaledPowerOfFive.init(power:))

    init(power: Int) {
        var fivePower: UInt128 = 1
        for _ in 0..<power.magnitude { fivePower *= 5 }
        let bitLength = 128 - fivePower.leadingZeroBitCount
        let scaled: UInt128
        if power >= 0 {
            scaled = fivePower << UInt128(128 - bitLength)
            binaryExponent = bitLength - 128
        } else {
            // ⌊2^(127 + bitLength) / 5^-q⌋, bit by bit: between 2^127 and 2^128, so 128 bits hold it.
            let dividendBit = 127 + bitLength
            var remainder: UInt128 = 0
            var quotient: UInt128 = 0
            for bit in stride(from: dividendBit, through: 0, by: -1) {
                let overflows = remainder >> 127 != 0
                remainder = remainder << 1 | (bit == dividendBit ? 1 : 0)
                quotient <<= 1
                if overflows || remainder >= fivePower {
                    remainder &-= fivePower
                    quotient |= 1
                }
            }
            scaled = quotient
            binaryExponent = -dividendBit
        }
        high = UInt64(truncatingIfNeeded: scaled >> 64)
        low = UInt64(truncatingIfNeeded: scaled)
    }
}
