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

    /// Exact powers of ten as doubles: 10^0 … 10^22, written out so the compiler lays the table down statically.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]

    /// All of `text` through the fast path, else nil.
    @inline(__always)
    private static func fastPath(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
        guard let (value, length) = parsePlainPrefix(text), length == text.count else { return nil }
        return value
    }

    /// The plain number that `text` starts with, read in one pass, and how many bytes it spans — for decoders that
    /// read a field and its delimiter together (CSV). The number is `[sign] digits [. digits] [e|E [sign] digits]`
    /// with at least one digit, ≤ 15 significant digits and a power of ten within ±22, so that one multiplication
    /// or division rounds it correctly; nil otherwise (the caller then takes the general path over the whole field:
    /// nil says nothing about whether the text is a number).
    @inline(__always)
    public static func parsePlainPrefix(_ text: UnsafeBufferPointer<UInt8>) -> (value: Double, length: Int)? {
        let count = text.count
        var index = 0
        guard count > 0 else { return nil }
        var negative = false
        if text[0] == UInt8(ascii: "-") || text[0] == UInt8(ascii: "+") {
            negative = text[0] == UInt8(ascii: "-")
            index = 1
        }
        var mantissa: UInt64 = 0
        var digits = 0
        // Digits from the first non-zero one on: ≤ 15 keeps the mantissa an exact double.
        var significant = 0
        var fractionDigits = 0
        while index < count {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { break }
            mantissa = mantissa &* 10 &+ UInt64(digit)
            digits &+= 1
            if mantissa != 0 { significant &+= 1 }
            index &+= 1
        }
        if index < count && text[index] == UInt8(ascii: ".") {
            index &+= 1
            while index < count {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                digits &+= 1
                fractionDigits &+= 1
                if mantissa != 0 { significant &+= 1 }
                index &+= 1
            }
        }
        guard digits > 0, significant <= 15 else { return nil }
        var exponent = 0
        if index < count && (text[index] == UInt8(ascii: "e") || text[index] == UInt8(ascii: "E")) {
            index &+= 1
            var exponentNegative = false
            if index < count && (text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+")) {
                exponentNegative = text[index] == UInt8(ascii: "-")
                index &+= 1
            }
            let exponentStart = index
            while index < count {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { break }
                exponent = exponent &* 10 &+ Int(digit)
                guard exponent < 1000 else { return nil }
                index &+= 1
            }
            guard index > exponentStart else { return nil }
            if exponentNegative { exponent = -exponent }
        }
        let power = exponent &- fractionDigits
        guard power >= -22 && power <= 22 else { return nil }
        var value = Double(mantissa)
        value = power >= 0 ? value * powersOfTen[power] : value / powersOfTen[-power]
        return (negative ? -value : value, index)
    }
}
