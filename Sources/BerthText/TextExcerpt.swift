extension StringProtocol {
    /// This text as a message quotes it when it comes from outside Berth (a model file, an archive, a request): at
    /// most `limit` Unicode scalars and then `…`, control and format characters (bidirectional overrides among them)
    /// and line separators shown as `?`, so that a hostile name can neither flood the log, `/ping` or an error body,
    /// nor break or reorder their lines.
    public func excerpt(limit: Int = 64) -> String {
        var result = ""
        for scalar in unicodeScalars.prefix(limit) {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator: result.unicodeScalars.append("?")
            default: result.unicodeScalars.append(scalar)
            }
        }
        return unicodeScalars.count > limit ? result + "…" : result
    }
}
