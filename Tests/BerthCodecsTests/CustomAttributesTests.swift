import BerthCore
import Testing
@testable import BerthCodecs

/// `X-Amzn-SageMaker-Custom-Attributes`: Berth reads `explain=` and nothing else, and never refuses a header for the
/// client's own attributes.
@Suite struct CustomAttributesTests {
    @Test(arguments: [
        ("explain=contributions", ExplanationKind.contributions),
        ("trace=1, explain=leaves", .leaves),
        ("trace=1;explain = margin ;x=y", .margin),
        ("explain=leaves,explain=margin", .margin),
    ] as [(String, ExplanationKind)])
    func explainIsRead(_ header: String, _ kind: ExplanationKind) throws {
        #expect(try CustomAttributes.explanation(header) == kind)
    }

    @Test(arguments: [nil, "", "trace=abc", "explain", "explanation=leaves", "a=b=c",
                      "explain=shap, " + String(repeating: "x", count: CustomAttributes.maxLength)])
    func otherHeadersAskForNothing(_ header: String?) throws {
        #expect(try CustomAttributes.explanation(header) == nil)
    }

    @Test func anUnknownExplanationNamesTheValidOnes() {
        let error = #expect(throws: CodecError.self) { try CustomAttributes.explanation("explain=shap\u{7}") }
        #expect(error?.kind == .badRequest)
        #expect(error?.message.contains("explain=shap?") == true, "control characters are not echoed: \(String(describing: error))")
        #expect(error?.message.contains("explain=contributions, explain=leaves, explain=margin") == true)
    }
}
