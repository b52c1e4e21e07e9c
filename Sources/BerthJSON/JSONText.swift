/// Writing JSON text straight into a byte buffer: quoted strings and numbers.
///
/// Responses and log lines are assembled as bytes, so these helpers append to `[UInt8]` instead of building
/// intermediate `String`s. Numbers use Swift's shortest round-trip form of the `Double`, which is also what
/// Python's `repr` (and so the official SageMaker containers' `json.dumps`) prints for the same value.
public enum JSONText {
    /// Appends `text` as a JSON string literal, escaping quotes, backslashes and control characters.
    public static func appendString(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"),
                                           hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// The JSON string literal for `text`.
    public static func quoted(_ text: String) -> String {
        var bytes = [UInt8]()
        appendString(text, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// A number as JSON text (`null` for NaN and infinities).
    public static func numberText(_ value: Double) -> String {
        var bytes = [UInt8]()
        appendNumber(value, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends a number; JSON has no NaN or infinity, so those become `null`.
    public static func appendNumber(_ value: Double, to output: inout [UInt8]) {
        if value.isFinite {
            ShortestDecimal.append(value, to: &output)
        } else {
            output.append(contentsOf: "null".utf8)
        }
    }
}
