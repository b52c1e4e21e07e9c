import Testing
import BerthText

/// Integers read from bytes must be exactly what `Self(String)` reads, at every edge of each width and for every
/// malformed spelling.
@Suite struct DecimalIntegerTests {
    static let spellings = [
        "0", "-0", "+0", "7", "-7", "+7", "00042", "-00042", "2147483647", "2147483648", "-2147483648", "-2147483649",
        "4294967295", "4294967296", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "-9223372036854775809", "18446744073709551615", "18446744073709551616", "", "-", "+", "--1", "+-1", "1-", " 1",
        "1 ", "1.0", "1e3", "0x10", "١", "12a", "99999999999999999999999",
    ]

    func read<Value: FixedWidthInteger>(_ text: String, as type: Value.Type) -> Value? {
        Array(text.utf8).withUnsafeBufferPointer { Value(decimal: $0) }
    }

    @Test(arguments: spellings)
    func bytesReadAsTheStringWouldRead(_ text: String) {
        #expect(read(text, as: Int32.self) == Int32(text), "Int32 \(text)")
        #expect(read(text, as: Int64.self) == Int64(text), "Int64 \(text)")
        #expect(read(text, as: Int8.self) == Int8(text), "Int8 \(text)")
        #expect(read(text, as: UInt32.self) == (text.hasPrefix("-") ? nil : UInt32(text)), "UInt32 \(text)")
        #expect(read(text, as: UInt64.self) == (text.hasPrefix("-") ? nil : UInt64(text)), "UInt64 \(text)")
    }
}
