import Hummingbird

/// A model's name as a route's `{name}` segment carries it, percent-decoded: a multi-model load accepts any printable
/// name ("my model"), and clients encode it in the path (`/models/my%20model`, as tritonclient does).
enum ModelNameParameter {
    static func name(in context: BasicRequestContext) -> String {
        decoded(context.parameters.get("name") ?? "")
    }

    /// `%XX` sequences as the UTF-8 bytes they stand for; a `%` not followed by two hex digits, or bytes that are not
    /// UTF-8, are left as written.
    static func decoded(_ segment: String) -> String {
        guard segment.utf8.contains(UInt8(ascii: "%")) else { return segment }
        let bytes = Array(segment.utf8)
        var out = [UInt8](), index = 0
        func hex(_ byte: UInt8) -> UInt8? {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
            default: nil
            }
        }
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = hex(bytes[index + 1]), let low = hex(bytes[index + 2]) {
                out.append(high << 4 | low)
                index += 3
            } else {
                out.append(bytes[index])
                index += 1
            }
        }
        return String(validating: out, as: UTF8.self) ?? segment
    }
}
