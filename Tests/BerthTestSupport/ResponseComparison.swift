import Testing

/// Compares a response body with the expected file produced by the reference library (and formatted by the
/// fixture generator as the official container formats it).
///
/// Text bodies must be identical once every number is replaced by a marker saying whether it was written as an
/// integer or a float — so quoting, brackets, key order, spacing and line ends must match exactly — and the numbers
/// themselves must agree within 1e-5 relative (float32 sums in another order differ in the last ulps), or a
/// tighter tolerance where the library computes in double (LightGBM: 1e-9, float32 RecordIO answers 1e-7). Binary
/// bodies are parsed by each test target's own extension (NPY: identical header bytes; RecordIO: the label map of
/// every record, by name) and their numbers compared the same way.
public enum ResponseComparison {
    public static let tolerance = 1e-5

    public static func close(_ got: Double, _ want: Double, tolerance: Double = tolerance) -> Bool {
        got.isNaN && want.isNaN || got == want || abs(got - want) <= tolerance * max(1, abs(want))
    }

    public static func expectSameText(_ got: String, _ want: String, _ label: String, tolerance: Double = tolerance) {
        let (gotSkeleton, gotNumbers) = skeleton(got)
        let (wantSkeleton, wantNumbers) = skeleton(want)
        #expect(gotSkeleton == wantSkeleton, "\(label): layout differs\n got: \(got.prefix(300))\nwant: \(want.prefix(300))")
        expectClose(gotNumbers, wantNumbers, label, tolerance: tolerance)
    }

    public static func expectClose(_ got: [Double], _ want: [Double], _ label: String, tolerance: Double = tolerance) {
        #expect(got.count == want.count, "\(label): \(got.count) numbers, expected \(want.count)")
        for (index, (value, expected)) in zip(got, want).enumerated() where !close(value, expected, tolerance: tolerance) {
            Issue.record("\(label): number \(index + 1) is \(value), expected \(expected)")
            return
        }
    }

    /// The text with each number replaced by `i` (written as an integer) or `f` (with a point or exponent), and
    /// the numbers in order.
    public static func skeleton(_ text: String) -> (String, [Double]) {
        let bytes = Array(text.utf8)
        var layout = [UInt8]()
        var numbers = [Double]()
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let startsNumber = isDigit(byte) || (byte == UInt8(ascii: "-") && index + 1 < bytes.count && isDigit(bytes[index + 1]))
            guard startsNumber, index == 0 || !isLetter(bytes[index - 1]) else {
                layout.append(byte)
                index += 1
                continue
            }
            var end = index + 1
            while end < bytes.count && (isDigit(bytes[end]) || ".eE+-".utf8.contains(bytes[end])) { end += 1 }
            let token = String(decoding: bytes[index..<end], as: UTF8.self)
            numbers.append(Double(token) ?? .nan)
            layout.append(token.contains(where: { ".eE".contains($0) }) ? UInt8(ascii: "f") : UInt8(ascii: "i"))
            index = end
        }
        return (String(decoding: layout, as: UTF8.self), numbers)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isLetter(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "_") || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) }
}
