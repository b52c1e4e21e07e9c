import BerthCore
import BerthJSON

/// SageMaker's `X-Amzn-SageMaker-Custom-Attributes` header (the SDK's `CustomAttributes`), which SageMaker passes to
/// the container untouched: `key=value` entries separated by `,` or `;`. Berth reads one key, `explain`
/// (docs/explanations.md); other keys, entries without `=` and headers past `maxLength` are ignored, so clients
/// that use the header for their own purposes are never refused for it.
public enum CustomAttributes {
    /// SageMaker allows 1,024 visible characters; a longer header is not read.
    public static let maxLength = 1024

    /// The explanation the header asks for, nil when it asks for none. An `explain` entry with an unknown value is
    /// a 400 naming the valid ones.
    public static func explanation(_ header: String?) throws(CodecError) -> ExplanationKind? {
        guard let header, header.utf8.count <= maxLength else { return nil }
        var kind: ExplanationKind?
        for entry in header.split(whereSeparator: { $0 == "," || $0 == ";" }) {
            guard let equals = entry.firstIndex(of: "=") else { continue }
            guard entry[..<equals].trimmingWhitespace() == "explain" else { continue }
            let value = entry[entry.index(after: equals)...].trimmingWhitespace()
            guard let named = ExplanationKind(rawValue: String(value)) else {
                throw CodecError(.badRequest, """
                    X-Amzn-SageMaker-Custom-Attributes asks for explain=\(excerpt(Array(value.utf8))), which Berth does not \
                    answer: use explain=\(ExplanationKind.allCases.map(\.rawValue).joined(separator: ", explain="))
                    """)
            }
            kind = named
        }
        return kind
    }
}
