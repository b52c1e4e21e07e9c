import BerthText
import Testing

/// Names from model files, archives and requests reach messages only through `\(quoted:)`, `\(excerpt:)` and
/// `excerpt(limit:)`.
@Suite struct QuotedNameTests {
    @Test func shortNamesAreQuotedAsTheyAre() {
        #expect("node \(quoted: "Gemm_1")" == "node 'Gemm_1'")
        #expect("operator \(excerpt: "ai.onnx.ml.Foo")" == "operator ai.onnx.ml.Foo")
    }

    @Test func longNamesAreCutAndControlCharactersReplaced() {
        let hostile = "line\r\nInjected: header" + String(repeating: "x", count: 10_000)
        let text = "objective \(quoted: hostile)"
        #expect(text.count == "objective ''".count + 64 + 1)
        #expect(text.hasSuffix("…'"))
        #expect(!text.contains("\r") && !text.contains("\n"))
    }

    @Test func lineSeparatorsAreReplacedAndTheLimitIsTheCallers() {
        #expect("a\u{2028}b\u{85}c\u{7F}d\u{202E}".excerpt() == "a?b?c?d?")
        #expect(String(repeating: "é", count: 41).excerpt(limit: 40) == String(repeating: "é", count: 40) + "…")
        #expect(String(repeating: "é", count: 40).excerpt(limit: 40) == String(repeating: "é", count: 40))
    }
}
