/// A `Double` written as the shortest decimal text that reads back as the same value — Swift's `description`,
/// which is also what Python's `repr` prints (so what the official containers answer) — appended straight to a
/// byte buffer.
///
/// `description` builds a `String`, and the 17 or so characters of a widened float32 score do not fit a small
/// string, so each number allocated and freed one: a third of encoding a 10,000-row answer. Swift's
/// `TextOutputStreamable` conformance formats into a stack buffer and hands it to the stream's `_writeASCII`,
/// which `Appender` implements by copying the bytes. That conformance writes a NaN the way `debugDescription` does
/// (`-nan(0x…)`, with its sign and payload), so NaN and the infinities still go through `description`.
public enum ShortestDecimal {
    /// Appends `value` as `value.description` writes it (`nan`, `inf` and `-inf` included).
    @inline(__always)
    public static func append(_ value: Double, to output: inout [UInt8]) {
        guard value.isFinite else {
            output.append(contentsOf: value.description.utf8)
            return
        }
        var appender = Appender()
        swap(&appender.bytes, &output)
        value.write(to: &appender)
        swap(&appender.bytes, &output)
    }

    /// A text stream over a byte buffer that takes ASCII runs without making a `String` of them.
    private struct Appender: TextOutputStream {
        var bytes: [UInt8] = []

        mutating func write(_ string: String) { bytes.append(contentsOf: string.utf8) }

        mutating func _writeASCII(_ buffer: UnsafeBufferPointer<UInt8>) { bytes.append(contentsOf: buffer) }
    }
}
