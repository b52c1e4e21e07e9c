import BerthJSON
import Testing

/// Compares a response body with the expected file produced by xgboost: same structure, same count of
/// values, every number within 1e-5 relative (float32 sums in another order differ in the last ulps).
enum ResponseComparison {
    static let tolerance = 1e-5

    static func close(_ got: Double, _ want: Double) -> Bool {
        abs(got - want) <= tolerance * max(1, abs(want))
    }

    static func expectSameCSV(_ got: String, _ want: String, _ label: String) {
        let gotLines = got.split(separator: "\n", omittingEmptySubsequences: false)
        let wantLines = want.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(gotLines.count == wantLines.count, "\(label): \(gotLines.count) lines, expected \(wantLines.count)")
        for (gotLine, wantLine) in zip(gotLines, wantLines) {
            let gotValues = gotLine.split(separator: ",").map { Double($0) }
            let wantValues = wantLine.split(separator: ",").map { Double($0)! }
            #expect(gotValues.count == wantValues.count, "\(label): line '\(gotLine)' vs '\(wantLine)'")
            for (value, expected) in zip(gotValues, wantValues) {
                #expect(value.map { close($0, expected) } == true, "\(label): \(String(describing: value)) vs \(expected)")
            }
        }
    }

    static func expectSameJSON(_ got: JSONValue, _ want: JSONValue, _ label: String) {
        switch (got, want) {
        case (.number(let value), .number(let expected)):
            #expect(close(value, expected), "\(label): \(value) vs \(expected)")
        case (.array(let values), .array(let expected)):
            #expect(values.count == expected.count, "\(label): \(values.count) elements, expected \(expected.count)")
            for (index, (value, wanted)) in zip(values, expected).enumerated() { expectSameJSON(value, wanted, "\(label)[\(index)]") }
        case (.object(let members), .object(let expected)):
            #expect(Set(members.keys) == Set(expected.keys), "\(label): keys \(members.keys.sorted()) vs \(expected.keys.sorted())")
            for (key, wanted) in expected { if let value = members[key] { expectSameJSON(value, wanted, "\(label).\(key)") } }
        default:
            #expect(got == want, "\(label)")
        }
    }

    static func expectSameJSONLines(_ got: String, _ want: String, _ label: String) throws {
        let gotLines = got.split(separator: "\n", omittingEmptySubsequences: false)
        let wantLines = want.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(gotLines.count == wantLines.count, "\(label): \(gotLines.count) lines, expected \(wantLines.count)")
        for (index, (line, wanted)) in zip(gotLines, wantLines).enumerated() where !wanted.isEmpty {
            expectSameJSON(try JSONReader.parse(Array(line.utf8)), try JSONReader.parse(Array(wanted.utf8)), "\(label) line \(index + 1)")
        }
    }
}
