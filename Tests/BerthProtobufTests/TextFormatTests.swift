import Testing
@testable import BerthProtobuf

/// Protobuf's text format as Triton's `config.pbtxt` files write it, and the errors a hand-edited one makes.
@Suite struct TextFormatTests {
    func parse(_ text: String) throws(TextFormatError) -> TextFormatMessage {
        try TextFormatMessage.parse(Array(text.utf8))
    }

    /// A FIL configuration in the layout Triton's documentation shows: messages in lists without ':', scalar lists,
    /// enums, comments, and parameters as key/value messages.
    @Test func aTritonFILConfiguration() throws {
        let config = try parse("""
            # a comment
            name: "churn"  backend: 'fil'
            max_batch_size: 32768
            input [
             {
              name: "input__0"
              data_type: TYPE_FP32
              dims: [ 28 ]
             }
            ]
            output [ { name: "output__0", data_type: TYPE_FP32, dims: [ 1 ] } ]
            instance_group [{ kind: KIND_CPU }]
            parameters [
              { key: "model_type" value: { string_value: "xgboost_json" } },
              { key: "threshold" value: { string_value: "0.5" } }
            ]
            dynamic_batching { max_queue_delay_microseconds: 100 }
            """)
        #expect(config.value("name") == .string("churn") && config.value("backend") == .string("fil"))
        #expect(config.value("max_batch_size") == .number("32768"))
        let input = try #require(config.messages("input").first)
        #expect(input.value("data_type") == .identifier("TYPE_FP32") && input.values("dims") == [.number("28")])
        #expect(config.messages("output").first?.value("name") == .string("output__0"))
        let parameters = config.messages("parameters")
        #expect(parameters.count == 2)
        #expect(parameters[0].value("key") == .string("model_type"))
        #expect(parameters[0].messages("value").first?.value("string_value") == .string("xgboost_json"))
        #expect(config.messages("dynamic_batching").first?.value("max_queue_delay_microseconds") == .number("100"))
    }

    @Test func repeatedFieldsStringsAndNumbers() throws {
        let message = try parse(#"dims: 1 dims: -2; f: 1.5e3, s: "a\"b" 'c\n' t: true x < y: 2 > empty: [] e: nan"#)
        #expect(message.values("dims") == [.number("1"), .number("-2")])
        #expect(message.value("f") == .number("1.5e3"))
        #expect(message.value("s") == .string("a\"bc\n"))
        #expect(message.value("t") == .identifier("true"))
        #expect(message.messages("x").first?.value("y") == .number("2"))
        #expect(message.values("empty").isEmpty)
        #expect(message.value("e") == .number("nan"))
    }

    @Test(arguments: [
        ("name \"x\"", "line 1", "expected ':'"),
        ("input [\n { name: \"a\" }\n", "line 3", "not closed with ']'"),
        ("a {\n b: 1\n", "line 3", "not closed with '}'"),
        ("a: \"open", "line 1", "not closed"),
        ("a: \"x\\q\"", "line 1", "escape"),
        ("a: @", "line 1", "unexpected '@'"),
        ("1a: 2", "line 1", "expected a field name"),
        ("a: [1 2]", "line 1", "expected ',' or ']'"),
    ])
    func errorsNameTheLine(_ text: String, _ line: String, _ reason: String) {
        let error = #expect(throws: TextFormatError.self) { try parse(text) }
        #expect(error?.description.hasPrefix(line) == true && error?.description.contains(reason) == true, "\(text): \(String(describing: error))")
    }

    @Test func nestingIsBounded() {
        let deep = String(repeating: "a {", count: 40) + String(repeating: "}", count: 40)
        #expect(throws: TextFormatError.self) { try parse(deep) }
        #expect(throws: Never.self) { try parse(String(repeating: "a {", count: 30) + String(repeating: "}", count: 30)) }
    }
}
