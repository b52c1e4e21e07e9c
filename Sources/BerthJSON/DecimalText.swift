#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Conversion of decimal number text (JSON numbers, CSV fields) to `Double` without building a `String`.
///
/// The digits are copied to a small NUL-terminated stack buffer and handed to `strtod`, which rounds correctly —
/// the same conversion Python (and so numpy, and so the official container) applies before XGBoost narrows the
/// value to float32. Text longer than `maxLength` is refused rather than truncated.
public enum DecimalText {
    public static let maxLength = 128

    /// The value of `text` if all of it is one number `strtod` accepts (this includes `inf` and `nan`), else nil.
    public static func parseDouble(_ text: UnsafeBufferPointer<UInt8>) -> Double? {
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
}
