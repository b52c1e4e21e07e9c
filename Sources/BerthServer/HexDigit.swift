/// Hexadecimal digits as the server reads and writes them in paths and tokens: a model name's `%XX` escapes
/// (`ModelNameParameter`) and `GET /models`' page token (`ModelPageToken`).
enum HexDigit {
    /// The value of one ASCII hex digit, either case; nil for any other byte.
    static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): digit - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
