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
        while index < bytes.count {
            if bytes[index] == UInt8(ascii: "%"), index + 2 < bytes.count, let high = HexDigit.value(of: bytes[index + 1]), let low = HexDigit.value(of: bytes[index + 2]) {
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
