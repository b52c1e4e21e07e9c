import HTTPTypes
import Testing
@testable import BerthServer

/// `HTTPFields.value(of:)` answers exactly as `HTTPFields`' own subscript does: one field, none, several joined
/// (cookies with `; `), names in any letter case.
@Suite struct HTTPFieldsValueTests {
    @Test func answersAsTheSubscriptDoes() throws {
        let custom = try #require(HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes"))
        var fields: HTTPFields = [.contentType: "text/csv", .accept: "application/json"]
        fields.append(HTTPField(name: .accept, value: "text/csv"))
        fields.append(HTTPField(name: .cookie, value: "a=1"))
        fields.append(HTTPField(name: .cookie, value: "b=2"))
        fields.append(HTTPField(name: try #require(HTTPField.Name("x-amzn-sagemaker-custom-attributes")), value: "explain=shap"))
        for name in [HTTPField.Name.contentType, .accept, .cookie, .contentLength, custom] {
            #expect(fields.value(of: name) == fields[name], "\(name)")
        }
        #expect(fields.value(of: .contentType) == "text/csv")
        #expect(fields.value(of: .accept) == "application/json, text/csv")
        #expect(fields.value(of: .cookie) == "a=1; b=2")
        #expect(fields.value(of: custom) == "explain=shap")
        #expect(fields.value(of: .contentLength) == nil)
    }
}
