import BerthJSON

/// A parsed `type/subtype; name=value` header value (Content-Type, or one entry of Accept).
///
/// Types and parameter names compare case-insensitively (NEG-1): `TEXT/CSV; Charset=UTF-8` is `text/csv`.
/// A bare token such as `csv` (what some SageMaker clients send) parses with an empty subtype.
public struct MediaType: Sendable, Equatable, CustomStringConvertible {
    public let type: String
    public let subtype: String
    public let parameters: [String: String]

    public init(type: String, subtype: String, parameters: [String: String] = [:]) {
        self.type = type
        self.subtype = subtype
        self.parameters = parameters
    }

    /// Parses one media type; nil for an empty value.
    public init?(parsing text: some StringProtocol) {
        let parts = text.split(separator: ";", omittingEmptySubsequences: false)
        let essence = parts[0].trimmingWhitespace().lowercased()
        guard !essence.isEmpty else { return nil }
        if let slash = essence.firstIndex(of: "/") {
            type = String(essence[..<slash]).trimmingWhitespace()
            subtype = String(essence[essence.index(after: slash)...]).trimmingWhitespace()
        } else {
            type = essence
            subtype = ""
        }
        var parameters = [String: String]()
        for parameter in parts.dropFirst() {
            let pair = parameter.split(separator: "=", maxSplits: 1)
            guard let name = pair.first?.trimmingWhitespace().lowercased(), !name.isEmpty else { continue }
            var value = pair.count > 1 ? pair[1].trimmingWhitespace() : ""
            if value.count >= 2 && value.hasPrefix("\"") && value.hasSuffix("\"") { value = String(value.dropFirst().dropLast()) }
            parameters[name] = value
        }
        self.parameters = parameters
    }

    /// `type/subtype` without parameters, lower-case (or the bare token).
    public var essence: String { subtype.isEmpty ? type : type + "/" + subtype }

    public var description: String { essence }
}

extension MediaType {
    /// The media ranges of an `Accept` header in the order a server tries them: by their `q` values, ties in the
    /// header's order, and `q=0` (not acceptable) left out.
    public static func accepted(_ accept: String) -> [MediaType] {
        ranked(accept).filter { $0.quality > 0 }.map(\.range)
    }

    /// Every media range of an `Accept` header with its `q` value, highest first, ties in the header's order; `q=0`
    /// ranges are kept, since a specific one excludes a type a wildcard would otherwise admit.
    public static func ranked(_ accept: String) -> [(range: MediaType, quality: Double)] {
        let weighted = accept.split(separator: ",").compactMap { MediaType(parsing: $0) }.enumerated().map { entry in
            (index: entry.offset, range: entry.element, quality: entry.element.quality)
        }
        return weighted.sorted { first, second in
            first.quality != second.quality ? first.quality > second.quality : first.index < second.index
        }.map { ($0.range, $0.quality) }
    }

    private var quality: Double {
        guard let text = parameters["q"] else { return 1 }
        return Double(text).map { min(max($0, 0), 1) } ?? 1
    }
}
