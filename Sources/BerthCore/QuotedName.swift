extension String.StringInterpolation {
    /// Appends a name read from a model file (an objective, a node, a tensor, a file it points to) in quotes, cut to
    /// 64 characters with control characters replaced: a hostile model cannot fill the startup log, or an error
    /// body of the multi-model API, with its own bytes. `"node \(quoted: node.name)"` reads `node 'Gemm_1'`.
    public mutating func appendInterpolation(quoted name: some StringProtocol) {
        appendLiteral("'" + Self.excerpt(name) + "'")
    }

    /// Appends text from a model file unquoted (an operator type, a list of dimensions), cut the same way.
    public mutating func appendInterpolation(excerpt text: some StringProtocol) {
        appendLiteral(Self.excerpt(text))
    }

    private static func excerpt(_ text: some StringProtocol) -> String {
        let limit = 64
        var result = ""
        for scalar in text.unicodeScalars.prefix(limit) {
            result.unicodeScalars.append(scalar.properties.generalCategory == .control ? "?" : scalar)
        }
        return text.unicodeScalars.count > limit ? result + "…" : result
    }
}
