import BerthJSON
import Testing

/// `trimmingWhitespace` trims exactly Unicode's White_Space from both ends, through its ASCII fast path or not.
@Suite struct WhitespaceTests {
    @Test(arguments: [
        ("text/csv", "text/csv"), (" text/csv ", "text/csv"), ("\ttext/csv\r\n", "text/csv"), ("", ""), ("   ", ""),
        ("\u{A0}csv\u{2003}", "csv"), ("a b", "a b"), ("\u{1F}x\u{1F}", "\u{1F}x\u{1F}"), ("é", "é"), ("\u{85}x", "x"),
    ])
    func trimsUnicodeWhiteSpaceOnly(_ input: String, _ expected: String) {
        #expect(input.trimmingWhitespace() == expected)
        #expect(input[...].trimmingWhitespace() == expected)
    }
}
