import BerthCore
import Testing

/// Names from model files reach error messages only through `\(quoted:)` and `\(excerpt:)`.
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
}
