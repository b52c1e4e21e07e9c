extension String.StringInterpolation {
    /// Appends a name read from a model file or archive (an objective, a node, a tensor, a file it points to) in
    /// quotes, as `excerpt()` cuts it: `"node \(quoted: node.name)"` reads `node 'Gemm_1'`.
    public mutating func appendInterpolation(quoted name: some StringProtocol) {
        appendLiteral("'" + name.excerpt() + "'")
    }

    /// Appends such text unquoted (an operator type, a list of dimensions), cut the same way.
    public mutating func appendInterpolation(excerpt text: some StringProtocol) {
        appendLiteral(text.excerpt())
    }
}
