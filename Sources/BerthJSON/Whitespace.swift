/// Trimming for the small texts Berth parses by hand — header values, environment variables, `base_score` —
/// kept here because every module that parses text already imports BerthJSON, and Foundation's
/// `trimmingCharacters(in:)` is not in FoundationEssentials.
extension StringProtocol {
    /// The text without leading and trailing white space (spaces, tabs, line ends).
    public func trimmingWhitespace() -> String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        var text = ""
        text.unicodeScalars.append(contentsOf: scalars[first...last])
        return text
    }
}
