/// A message in protobuf's text format (the `.pbtxt` of Triton's `config.pbtxt`), read without a schema into its
/// fields in order: a scalar (a string, a number or an identifier such as an enum value or `true`) or a nested
/// message per field, repeated fields as repeated entries (written several times or as a `[…]` list).
///
/// The reader follows the language specification (protobuf.dev, "Text Format Language Specification") for what
/// configuration files use: `#` comments, `:` optional before a message, `{…}` or `<…>` messages, `,` or `;` after a
/// field, adjacent strings concatenated, single or double quotes with C escapes. Nesting is bounded; every error
/// names its line.
public struct TextFormatMessage: Sendable, Equatable {
    /// A field's value.
    public enum Value: Sendable, Equatable {
        case string(String)
        /// A number as written (`-1`, `0.5`, `1e3`, `inf`), for the reader of the field to interpret.
        case number(String)
        /// An identifier: an enum value, `true`, `false`.
        case identifier(String)
        case message(TextFormatMessage)
    }

    /// The fields in the order written; a repeated field appears once per value.
    public var fields: [(name: String, value: Value)]

    public static func == (lhs: TextFormatMessage, rhs: TextFormatMessage) -> Bool {
        lhs.fields.count == rhs.fields.count && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// Every value of `name`, in order.
    public func values(_ name: String) -> [Value] {
        fields.filter { $0.name == name }.map(\.value)
    }

    /// The last value of `name` (a singular field written twice keeps the last, as protobuf does).
    public func value(_ name: String) -> Value? {
        fields.last { $0.name == name }?.value
    }

    public func messages(_ name: String) -> [TextFormatMessage] {
        values(name).compactMap { if case .message(let message) = $0 { message } else { nil } }
    }

    /// Reads a whole document: the top-level message's fields.
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = 32) throws(TextFormatError) -> TextFormatMessage {
        var reader = TextFormatReader(bytes: Array(bytes), maxDepth: maxDepth)
        return try reader.message(depth: 0, closing: nil)
    }
}

extension TextFormatMessage.Value {
    /// The text of a string, number or identifier.
    public var text: String? {
        switch self {
        case .string(let text), .number(let text), .identifier(let text): text
        case .message: nil
        }
    }
}

/// Why a text-format document could not be read, and on which line.
public struct TextFormatError: Error, Sendable, Equatable, CustomStringConvertible {
    public let line: Int
    public let reason: String

    public var description: String { "line \(line): \(reason)" }
}

private struct TextFormatReader {
    let bytes: [UInt8]
    let maxDepth: Int
    var position = 0
    var line = 1

    init(bytes: [UInt8], maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    func failure(_ reason: String) -> TextFormatError {
        TextFormatError(line: line, reason: reason)
    }

    /// Fields until `closing` (or the end of the document when nil).
    mutating func message(depth: Int, closing: UInt8?) throws(TextFormatError) -> TextFormatMessage {
        guard depth <= maxDepth else { throw failure("messages nested deeper than \(maxDepth) levels") }
        var fields = [(name: String, value: TextFormatMessage.Value)]()
        while true {
            skipSpaceAndComments()
            guard position < bytes.count else {
                if let closing { throw failure("the message is not closed with '\(Character(Unicode.Scalar(closing)))'") }
                return TextFormatMessage(fields: fields)
            }
            if let closing, bytes[position] == closing {
                position += 1
                return TextFormatMessage(fields: fields)
            }
            let name = try identifier()
            skipSpaceAndComments()
            var sawColon = false
            if position < bytes.count, bytes[position] == UInt8(ascii: ":") {
                sawColon = true
                position += 1
                skipSpaceAndComments()
            }
            guard position < bytes.count else { throw failure("field '\(name)' has no value") }
            if bytes[position] == UInt8(ascii: "[") {
                guard sawColon || isMessageStart(afterBracket: true) else { throw failure("field '\(name)': a list needs ':' before it") }
                position += 1
                try list(name: name, depth: depth, into: &fields)
            } else if isMessageStart(afterBracket: false) {
                fields.append((name, .message(try nestedMessage(depth: depth))))
            } else {
                guard sawColon else { throw failure("field '\(name)': expected ':' before its value") }
                fields.append((name, try scalar()))
            }
            skipSpaceAndComments()
            if position < bytes.count, bytes[position] == UInt8(ascii: ",") || bytes[position] == UInt8(ascii: ";") { position += 1 }
        }
    }

    func isMessageStart(afterBracket: Bool) -> Bool {
        var index = position + (afterBracket ? 1 : 0)
        while index < bytes.count, bytes[index] == UInt8(ascii: " ") || bytes[index] == UInt8(ascii: "\t") || bytes[index] == UInt8(ascii: "\n") || bytes[index] == UInt8(ascii: "\r") {
            index += 1
        }
        return index < bytes.count && (bytes[index] == UInt8(ascii: "{") || bytes[index] == UInt8(ascii: "<"))
    }

    mutating func nestedMessage(depth: Int) throws(TextFormatError) -> TextFormatMessage {
        let opening = bytes[position]
        position += 1
        return try message(depth: depth + 1, closing: opening == UInt8(ascii: "{") ? UInt8(ascii: "}") : UInt8(ascii: ">"))
    }

    /// `[a, b]` or `[{…}, {…}]`, appended as repeated entries of `name`.
    mutating func list(name: String, depth: Int, into fields: inout [(name: String, value: TextFormatMessage.Value)]) throws(TextFormatError) {
        skipSpaceAndComments()
        if position < bytes.count, bytes[position] == UInt8(ascii: "]") {
            position += 1
            return
        }
        while true {
            skipSpaceAndComments()
            guard position < bytes.count else { throw failure("the list of '\(name)' is not closed with ']'") }
            if isMessageStart(afterBracket: false) {
                fields.append((name, .message(try nestedMessage(depth: depth))))
            } else {
                fields.append((name, try scalar()))
            }
            skipSpaceAndComments()
            guard position < bytes.count else { throw failure("the list of '\(name)' is not closed with ']'") }
            if bytes[position] == UInt8(ascii: ",") { position += 1; continue }
            if bytes[position] == UInt8(ascii: "]") { position += 1; return }
            throw failure("expected ',' or ']' in the list of '\(name)'")
        }
    }

    mutating func scalar() throws(TextFormatError) -> TextFormatMessage.Value {
        let byte = bytes[position]
        if byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "'") {
            var text = try quoted()
            // Adjacent strings are one value.
            while true {
                skipSpaceAndComments()
                guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") || bytes[position] == UInt8(ascii: "'") else { break }
                text += try quoted()
            }
            return .string(text)
        }
        if byte == UInt8(ascii: "-") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: ".") || isDigit(byte) {
            let start = position
            position += 1
            while position < bytes.count, isDigit(bytes[position]) || isLetter(bytes[position])
                || [UInt8(ascii: "."), UInt8(ascii: "-"), UInt8(ascii: "+")].contains(bytes[position]) {
                position += 1
            }
            return .number(String(decoding: bytes[start..<position], as: UTF8.self))
        }
        if isLetter(byte) || byte == UInt8(ascii: "_") {
            let word = try identifier()
            return ["inf", "infinity", "nan"].contains(word.lowercased()) ? .number(word) : .identifier(word)
        }
        throw failure("unexpected '\(printable(byte))' where a value belongs")
    }

    mutating func quoted() throws(TextFormatError) -> String {
        let quote = bytes[position]
        position += 1
        var text = [UInt8]()
        while position < bytes.count {
            let byte = bytes[position]
            position += 1
            if byte == quote { return String(decoding: text, as: UTF8.self) }
            if byte == UInt8(ascii: "\n") { throw failure("a string is not closed before the line ends") }
            guard byte == UInt8(ascii: "\\") else {
                text.append(byte)
                continue
            }
            guard position < bytes.count else { break }
            let escaped = bytes[position]
            position += 1
            switch escaped {
            case UInt8(ascii: "n"): text.append(UInt8(ascii: "\n"))
            case UInt8(ascii: "t"): text.append(UInt8(ascii: "\t"))
            case UInt8(ascii: "r"): text.append(UInt8(ascii: "\r"))
            case UInt8(ascii: "\\"), UInt8(ascii: "'"), UInt8(ascii: "\""), UInt8(ascii: "?"): text.append(escaped)
            default: throw failure("a string has the escape '\\\(printable(escaped))', which this reader does not take")
            }
        }
        throw failure("a string is not closed")
    }

    mutating func identifier() throws(TextFormatError) -> String {
        let start = position
        while position < bytes.count, isLetter(bytes[position]) || isDigit(bytes[position]) || bytes[position] == UInt8(ascii: "_") {
            position += 1
        }
        guard position > start, !isDigit(bytes[start]) else {
            throw failure("expected a field name, found '\(position < bytes.count ? printable(bytes[position]) : "the end")'")
        }
        return String(decoding: bytes[start..<position], as: UTF8.self)
    }

    mutating func skipSpaceAndComments() {
        while position < bytes.count {
            switch bytes[position] {
            case UInt8(ascii: "\n"):
                line += 1
                position += 1
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"), 0x0B, 0x0C:
                position += 1
            case UInt8(ascii: "#"):
                while position < bytes.count, bytes[position] != UInt8(ascii: "\n") { position += 1 }
            default:
                return
            }
        }
    }

    func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
    func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= UInt8(ascii: "a") && (byte | 0x20) <= UInt8(ascii: "z") }
    func printable(_ byte: UInt8) -> String { byte >= 0x20 && byte < 0x7F ? String(Character(Unicode.Scalar(byte))) : "byte \(byte)" }
}
