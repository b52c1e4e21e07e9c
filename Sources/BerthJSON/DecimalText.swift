#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversion of decimal number text (JSON numbers, CSV fields) to `Double` without building a `String`.
///
/// The result is always the correctly rounded double — the same conversion Python (and so numpy, and so the
/// official container) applies before XGBoost narrows the value to float32. Plain numbers of at most 15
/// significant digits and a power of ten within ±22 take Clinger's fast path: the digits and the power are both
/// exact doubles, so one multiplication or division rounds once, correctly. Everything else (more digits, larger
/// exponents, `inf`, `nan`) is copied to a small NUL-terminated stack buffer and handed to `strtod`. Text longer
/// than `maxLength` is refused rather than truncated.
public enum DecimalText {
    public static let maxLength = 128

    /// The value of `text` if all of it is one number `strtod` accepts (this includes `inf` and `nan`), else nil.
    public static func parseDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        if let fast = fastPath(text) { return fast }
        let count = text.count
        guard count > 0, count <= maxLength else { return nil }
        return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { scratch -> Double? in
            for index in 0..<count { scratch[index] = CChar(bitPattern: text[index]) }
            scratch[count] = 0
            var end: UnsafeMutablePointer<CChar>? = nil
            let value = strtod(scratch.baseAddress!, &end)
            guard let end, end - scratch.baseAddress! == count else { return nil }
            return value
        }
    }

    /// Exact powers of ten as doubles: 10^0 … 10^22.
    private static let powersOfTen: [Double] = (0...22).map { exponent in
        var value = 1.0
        for _ in 0..<exponent { value *= 10 }
        return value
    }

    /// `[sign] digits [. digits] [e|E [sign] digits]` with ≤ 15 significant digits and |power of ten| ≤ 22, else nil.
    @inline(__always)
    private static func fastPath(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        var index = 0
        let count = text.count
        guard count > 0 else { return nil }
        var negative = false
        if text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+") {
            negative = text[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        var significant = 0
        var fractionDigits = 0
        var sawPoint = false
        while index < count {
            let byte = text[index]
            if byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") {
                if significant > 0 || byte != UInt8(ascii: "0") { significant += 1 }
                guard significant <= 15 else { return nil }
                mantissa = mantissa * 10 + UInt64(byte - UInt8(ascii: "0"))
                digits += 1
                if sawPoint { fractionDigits += 1 }
            } else if byte == UInt8(ascii: ".") && !sawPoint {
                sawPoint = true
            } else {
                break
            }
            index += 1
        }
        guard digits > 0 else { return nil }
        var exponent = 0
        if index < count {
            guard text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E") else { return nil }
            index += 1
            var exponentNegative = false
            if index < count && (text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+")) {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index += 1
            }
            var exponentDigits = 0
            while index < count, text[index] >= UInt8(ascii: "0") && text[index] <= UInt8(ascii: "9") {
                exponent = exponent * 10 + Int(text[index] - UInt8(ascii: "0"))
                exponentDigits += 1
                guard exponent < 1000 else { return nil }
                index += 1
            }
            guard exponentDigits > 0, index == count else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        let power = exponent - fractionDigits
        guard power >= -22 && power <= 22 else { return nil }
        var value = Double(mantissa)
        value = power >= 0 ? value * powersOfTen[power] : value / powersOfTen[-power]
        return negative ? -value : value
    }
}
