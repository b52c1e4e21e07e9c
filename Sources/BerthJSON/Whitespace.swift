/// Trimming for the small texts Berth parses by hand — header values, environment variables, `base_score` —
/// kept here because every module that parses text already imports BerthJSON, and Foundation's
/// `trimmingCharacters(in:)` is not in FoundationEssentials.
extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line ends).
    public func trimmingWhitespace() -> String {
        // Both ends printable ASCII (the usual header value): nothing to trim, and no Unicode property lookups.
        let scalars = unicodeScalars
        if let first = scalars.first, let last = scalars.last, Self.isPrintableASCII(first), Self.isPrintableASCII(last) {
            return String(self)
        }
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[first...last])
        return text
    }

    /// ASCII and not white space (white space in ASCII: tab, line feed, vertical tab, form feed, carriage return,
    /// space).
    private static func isPrintableASCII(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x80 && scalar.value != 0x20 && !(0x09...0x0D).contains(scalar.value)
    }
}
