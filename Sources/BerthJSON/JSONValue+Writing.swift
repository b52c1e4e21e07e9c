/// Writing a `JSONValue` back as JSON text, for documents Berth builds as a tree (the OpenAPI description) rather
/// than streams (responses, log lines, which `JSONText` writes directly).
extension JSONValue {
    /// The document as JSON text, object keys in byte order so the same tree always gives the same bytes.
    public var jsonText: [UInt8] {
        var output = [UInt8]()
        write(to: &output)
        return output
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let flag): output.append(contentsOf: (flag ? "true" : "false").utf8)
        case .number(let value):
            if value.isFinite, value == value.rounded(), abs(value) < 1e15 {
                output.append(contentsOf: String(Int64(value)).utf8)  // 6, not 6.0: integers stay integers
            } else {
                JSONText.appendNumber(value, to: &output)
            }
        case .string(let text): JSONText.appendString(text, to: &output)
        case .array, .numberArray:
            output.append(UInt8(ascii: "["))
            for (index, element) in (array ?? []).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let members):
            output.append(UInt8(ascii: "{"))
            for (index, key) in members.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }).enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                JSONText.appendString(key, to: &output)
                output.append(UInt8(ascii: ":"))
                members[key]!.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}
