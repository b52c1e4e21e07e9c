#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A strict RFC 8259 JSON reader over raw bytes.
///
/// It exists because request bodies and XGBoost model files arrive as bytes, and turning them into a `String`
/// first (as Foundation's decoders need) would copy every body once more. Nesting is bounded by `maxDepth` so a
/// hostile body of a million `[` cannot overflow the stack. Numbers are read with `strtod`, the same correctly
/// rounded conversion Python uses, so a value then narrowed to `Float` matches what numpy feeds XGBoost.
public struct JSONReader {
    public static let defaultMaxDepth = 256

    /// Parses one complete JSON document; anything but whitespace after it is an error. With
    /// `allowsNonFiniteNumbers`, the literals `NaN`, `Infinity` and `-Infinity` are numbers too, as Python's `json`
    /// writes them and Triton's server reads them (the Open Inference Protocol's clients send them). With
    /// `rejectsDuplicateKeys`, an object naming a key twice is an error instead of keeping the last value (requests
    /// whose keys name features must not be ambiguous).
    public static func parse(_ bytes: some Collection<UInt8>, maxDepth: Int = defaultMaxDepth,
                             allowsNonFiniteNumbers: Bool = false, rejectsDuplicateKeys: Bool = false) throws(JSONParseError) -> JSONValue {
        func read(_ buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONValue, JSONParseError> {
            var reader = JSONReader(buffer: buffer, maxDepth: maxDepth, allowsNonFiniteNumbers: allowsNonFiniteNumbers,
                                    rejectsDuplicateKeys: rejectsDuplicateKeys)
            return Result { () throws(JSONParseError) in try reader.parseDocument() }
        }
        // Bytes already contiguous (an array, a slice of one, a request body's buffer) are read where they lie;
        // anything else is gathered into an array first.
        let result = bytes.withContiguousStorageIfAvailable(read) ?? Array(bytes).withUnsafeBufferPointer(read)
        return try result.get()
    }

    /// Parses the document as `parse` does, except that an array at one of `listedPaths` (member keys from the root) is
    /// not parsed: its elements, which must be objects, are only found (`ListedElements`: where each starts and ends),
    /// for the caller to parse each on its own (`parse(element:of:in:)`, on several threads if it likes), and its member
    /// is left out of its object. An element's syntax is checked when it is parsed; here only its brackets and strings
    /// are followed to its end, which is where a strict reader would end it if it is valid.
    ///
    /// For an XGBoost JSON model's `trees`: most of the file, hundreds of objects read independently.
    public static func parse(_ bytes: [UInt8], allowsNonFiniteNumbers: Bool = false, listingArraysAt listedPaths: Set<[String]>)
        throws(JSONParseError) -> (document: JSONValue, lists: [ListedElements])
    {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var reader = JSONReader(buffer: buffer, maxDepth: defaultMaxDepth, allowsNonFiniteNumbers: allowsNonFiniteNumbers,
                                    rejectsDuplicateKeys: false)
            reader.listedPaths = listedPaths
            return (try reader.parseDocument(), reader.lists)
        }
    }

    /// Element `index` of `list`, one of the lists `parse(_:allowsNonFiniteNumbers:listingArraysAt:)` made of `bytes`,
    /// parsed with the same settings; an error names its offset in `bytes`.
    public static func parse(element index: Int, of list: ListedElements, in bytes: [UInt8], allowsNonFiniteNumbers: Bool = false)
        throws(JSONParseError) -> JSONValue
    {
        let range = list.elements[index]
        do {
            return try parse(bytes[range], maxDepth: defaultMaxDepth - list.depth, allowsNonFiniteNumbers: allowsNonFiniteNumbers)
        } catch {
            throw JSONParseError(error.reason, at: range.lowerBound + error.offset)
        }
    }

    private let buffer: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private let allowsNonFiniteNumbers: Bool
    private let rejectsDuplicateKeys: Bool
    private var position = 0
    /// Where arrays are listed rather than parsed, and what was listed (`parse(_:allowsNonFiniteNumbers:listingArraysAt:)`).
    private var listedPaths: Set<[String]> = []
    private var lists: [ListedElements] = []
    /// The member keys from the root to the value being read, kept while `listedPaths` has any.
    private var path: [String] = []

    private init(buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, allowsNonFiniteNumbers: Bool, rejectsDuplicateKeys: Bool) {
        self.buffer = buffer
        self.maxDepth = maxDepth
        self.allowsNonFiniteNumbers = allowsNonFiniteNumbers
        self.rejectsDuplicateKeys = rejectsDuplicateKeys
    }

    /// The whole buffer as one value, with only whitespace around it.
    private mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard position == buffer.count else { throw JSONParseError(JSONParseError.contentAfterValue, at: position) }
        return value
    }

    private mutating func skipWhitespace() {
        while position < buffer.count {
            switch buffer[position] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): position += 1
            default: return
            }
        }
    }

    private mutating func parseValue(depth: Int) throws(JSONParseError) -> JSONValue {
        guard position < buffer.count else { throw JSONParseError("unexpected end of JSON", at: position) }
        switch buffer[position] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"): try expectLiteral("true"); return .bool(true)
        case UInt8(ascii: "f"): try expectLiteral("false"); return .bool(false)
        case UInt8(ascii: "n"): try expectLiteral("null"); return .null
        case UInt8(ascii: "N") where allowsNonFiniteNumbers: try expectLiteral("NaN"); return .number(.nan)
        case UInt8(ascii: "I") where allowsNonFiniteNumbers: try expectLiteral("Infinity"); return .number(.infinity)
        case UInt8(ascii: "-") where allowsNonFiniteNumbers && position + 1 < buffer.count && buffer[position + 1] == UInt8(ascii: "I"):
            position += 1
            try expectLiteral("Infinity")
            return .number(-.infinity)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw JSONParseError("unexpected character '\(printable(buffer[position]))'", at: position)
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let count = literal.utf8CodeUnitCount
        guard position + count <= buffer.count else { throw JSONParseError("unexpected end of JSON", at: position) }
        for index in 0..<count where buffer[position + index] != literal.utf8Start[index] {
            throw JSONParseError("invalid literal", at: position)
        }
        position += count
    }

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError("JSON nested deeper than \(maxDepth) levels", at: position) }
        position += 1
        var members = [String: JSONValue]()
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "}") {
            position += 1
            return .object(members)
        }
        while true {
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: "\"") else {
                throw JSONParseError("expected a quoted object key", at: position)
            }
            let keyStart = position
            let key = try parseString()
            if rejectsDuplicateKeys && members[key] != nil {
                let shown = String(String.UnicodeScalarView(key.unicodeScalars.prefix(64)))
                throw JSONParseError("the key \(String(reflecting: shown)) appears twice in one object", at: keyStart)
            }
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: ":") else {
                throw JSONParseError("expected ':' after an object key", at: position)
            }
            position += 1
            skipWhitespace()
            if listedPaths.isEmpty {
                members[key] = try parseValue(depth: depth)
            } else {
                path.append(key)
                if listedPaths.contains(path), position < buffer.count, buffer[position] == UInt8(ascii: "[") {
                    lists.append(ListedElements(path: path, elements: try listElements(depth: depth + 1), depth: depth + 1))
                } else {
                    members[key] = try parseValue(depth: depth)
                }
                path.removeLast()
            }
            skipWhitespace()
            guard position < buffer.count else { throw JSONParseError("unterminated object", at: position) }
            if buffer[position] == UInt8(ascii: ",") { position += 1; continue }
            if buffer[position] == UInt8(ascii: "}") { position += 1; return .object(members) }
            throw JSONParseError("expected ',' or '}' in an object", at: position)
        }
    }

    /// The byte ranges of the objects in the array at `position`, with `position` moved past it.
    private mutating func listElements(depth: Int) throws(JSONParseError) -> [Range<Int>] {
        guard depth <= maxDepth else { throw JSONParseError("JSON nested deeper than \(maxDepth) levels", at: position) }
        position += 1
        var elements = [Range<Int>]()
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "]") {
            position += 1
            return elements
        }
        while true {
            skipWhitespace()
            guard position < buffer.count, buffer[position] == UInt8(ascii: "{") else {
                throw JSONParseError("the array at \(path.joined(separator: ".")) holds something other than an object", at: position)
            }
            let start = position
            try skipContainer(depth: depth)
            elements.append(start..<position)
            skipWhitespace()
            guard position < buffer.count else { throw JSONParseError("unterminated array", at: position) }
            if buffer[position] == UInt8(ascii: ",") { position += 1; continue }
            if buffer[position] == UInt8(ascii: "]") { position += 1; return elements }
            throw JSONParseError("expected ',' or ']' in an array", at: position)
        }
    }

    /// Moves past the object or array at `position`, following only its brackets and strings to its end.
    private mutating func skipContainer(depth: Int) throws(JSONParseError) {
        var nesting = 0
        while position < buffer.count {
            // Eight bytes at a time past what is neither a bracket, a brace nor a quote: numbers, commas, spaces.
            while position + 8 <= buffer.count,
                  !Self.mayHoldStructure(UnsafeRawPointer(buffer.baseAddress! + position).loadUnaligned(as: UInt64.self)) {
                position += 8
            }
            guard position < buffer.count else { break }
            switch buffer[position] {
            case UInt8(ascii: "\""):
                position += 1
                while position < buffer.count && buffer[position] != UInt8(ascii: "\"") {
                    position += buffer[position] == UInt8(ascii: "\\") ? 2 : 1
                }
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                nesting += 1
                guard depth + nesting <= maxDepth + 1 else { throw JSONParseError("JSON nested deeper than \(maxDepth) levels", at: position) }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                nesting -= 1
                if nesting == 0 {
                    position += 1
                    return
                }
            default:
                break
            }
            position += 1
        }
        // An unterminated string's last step (past a closing quote, or an escape's two bytes) may overshoot the end.
        throw JSONParseError("unexpected end of JSON", at: buffer.count)
    }

    /// Whether one of the word's eight bytes is a bracket, a brace, a backslash or a quote (or a `|`, which is harmless):
    /// false for a run of numbers, commas and spaces, which `skipContainer` steps over whole.
    @inline(__always)
    static func mayHoldStructure(_ word: UInt64) -> Bool {
        // Or-ing 0x20 into every byte folds `[`, `\` and `]` (0x5B–0x5D) onto `{`, `|` and `}` (0x7B–0x7D), and
        // touches no digit, sign, point, comma or exponent letter onto them.
        let folded = word | 0x2020_2020_2020_2020
        return hasZeroByte(folded ^ 0x7B7B_7B7B_7B7B_7B7B) || hasZeroByte(folded ^ 0x7C7C_7C7C_7C7C_7C7C)
            || hasZeroByte(folded ^ 0x7D7D_7D7D_7D7D_7D7D) || hasZeroByte(word ^ 0x2222_2222_2222_2222)
    }

    /// Whether one of the word's bytes is zero (exactly: no false positives, unlike the one-subtraction test).
    @inline(__always)
    private static func hasZeroByte(_ word: UInt64) -> Bool {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        return ~(((word & low) &+ low) | word) & 0x8080_8080_8080_8080 != 0
    }

    /// The step a path takes into an array's elements, so that an object inside an array never matches a listed path.
    static let elementStep = "[]"

    private mutating func parseArray(depth: Int) throws(JSONParseError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONParseError("JSON nested deeper than \(maxDepth) levels", at: position) }
        if !listedPaths.isEmpty { path.append(Self.elementStep) }
        defer { if !listedPaths.isEmpty { path.removeLast() } }
        position += 1
        var elements = [JSONValue]()
        skipWhitespace()
        if position < buffer.count, buffer[position] == UInt8(ascii: "]") {
            position += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            guard position < buffer.count else { throw JSONParseError("unterminated array", at: position) }
            if buffer[position] == UInt8(ascii: ",") { position += 1; continue }
            if buffer[position] == UInt8(ascii: "]") { position += 1; return .array(elements) }
            throw JSONParseError("expected ',' or ']' in an array", at: position)
        }
    }

    private mutating func parseNumber() throws(JSONParseError) -> Double {
        try Self.number(in: buffer, at: &position)
    }

    /// The JSON number at `position` (`-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`), with `position` moved
    /// past it: the one reading of numbers, shared with the one-pass reader of number rows (BerthCodecs'
    /// `JSONNumberRows`). The digits are gathered while the grammar is checked, in one pass, and converted by
    /// Clinger's step when one operation rounds them correctly, else by `DecimalText.eiselLemire` when it
    /// can decide, by `DecimalText.parseDouble` otherwise.
    @inlinable
    public static func number(in buffer: UnsafeBufferPointer<UInt8>, at position: inout Int) throws(JSONParseError) -> Double {
        let count = buffer.count
        guard position < count, let base = buffer.baseAddress else { throw JSONParseError("invalid number", at: position) }
        let start = position
        let negative = base[position] == UInt8(ascii: "-")
        position &+= negative ? 1 : 0
        var mantissa: UInt64 = 0
        var digits = 0
        let integerStart = position
        position = DecimalText.appendDigits(base, from: position, count: count, to: &mantissa, digits: &digits)
        let integerDigits = position - integerStart
        guard integerDigits > 0 else { throw JSONParseError("invalid number", at: start) }
        if integerDigits > 1, base[integerStart] == UInt8(ascii: "0") {
            throw JSONParseError("invalid number (leading zero)", at: start)
        }
        var fractionDigits = 0
        if position < count, base[position] == UInt8(ascii: ".") {
            let fractionStart = position + 1
            position = DecimalText.appendDigits(base, from: fractionStart, count: count, to: &mantissa, digits: &digits)
            fractionDigits = position - fractionStart
            guard fractionDigits > 0 else { throw JSONParseError("invalid number", at: start) }
        }
        var exponent = 0
        if position < count, base[position] == UInt8(ascii: "e") || base[position] == UInt8(ascii: "E") {
            position += 1
            var exponentNegative = false
            if position < count, base[position] == UInt8(ascii: "+") || base[position] == UInt8(ascii: "-") {
                exponentNegative = base[position] == UInt8(ascii: "-")
                position += 1
            }
            let exponentStart = position
            while position < count, Self.isDigit(base[position]) {
                // Past 10,000 the value stops growing: no exponent that large takes the one-operation path.
                if exponent < 10_000 { exponent = exponent * 10 + Int(base[position] - UInt8(ascii: "0")) }
                position += 1
            }
            guard position > exponentStart else { throw JSONParseError("invalid number", at: start) }
            if exponentNegative { exponent = -exponent }
        }
        // Clinger's step (as in `DecimalText.parsePlainPrefix`): at most 19 digits (so the mantissa has not wrapped)
        // whose value is an exact double, and a power of ten within ±22 (an exact double too), round correctly in one
        // operation. Written out: as `DecimalText`'s function it stayed a call, two fifths of a number's time.
        let power = exponent - fractionDigits
        if digits <= 19, mantissa <= 1 << 53, power >= -22, power <= 22 {
            let magnitude = power >= 0 ? Double(mantissa) * DecimalText.exactPowerOfTen(power) : Double(mantissa) / DecimalText.exactPowerOfTen(-power)
            return Double(signOf: negative ? -1 : 1, magnitudeOf: magnitude)
        }
        if digits <= 19, let value = DecimalText.eiselLemire(mantissa: mantissa, power: power, negative: negative) {
            return value
        }
        guard let value = DecimalText.parseDouble(UnsafeBufferPointer(rebasing: buffer[start..<position])) else {
            throw JSONParseError("number too long", at: start)
        }
        return value
    }

    private mutating func parseString() throws(JSONParseError) -> String {
        position += 1
        let start = position
        // Fast path: no escapes.
        while position < buffer.count {
            let byte = buffer[position]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: buffer[start..<position]), as: UTF8.self)
                position += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { break }
            if byte < 0x20 { throw JSONParseError("control character in a string", at: position) }
            position += 1
        }
        var utf8 = Array(UnsafeBufferPointer(rebasing: buffer[start..<position]))
        while position < buffer.count {
            let byte = buffer[position]
            switch byte {
            case UInt8(ascii: "\""):
                position += 1
                return String(decoding: utf8, as: UTF8.self)
            case UInt8(ascii: "\\"):
                position += 1
                guard position < buffer.count else { break }
                let escape = buffer[position]
                position += 1
                switch escape {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): utf8.append(escape)
                case UInt8(ascii: "b"): utf8.append(0x08)
                case UInt8(ascii: "f"): utf8.append(0x0C)
                case UInt8(ascii: "n"): utf8.append(0x0A)
                case UInt8(ascii: "r"): utf8.append(0x0D)
                case UInt8(ascii: "t"): utf8.append(0x09)
                case UInt8(ascii: "u"):
                    var scalar = try parseHex4()
                    if (0xD800..<0xDC00).contains(scalar) {
                        guard position + 1 < buffer.count, buffer[position] == UInt8(ascii: "\\"),
                              buffer[position + 1] == UInt8(ascii: "u") else {
                            throw JSONParseError("unpaired UTF-16 surrogate", at: position)
                        }
                        position += 2
                        let low = try parseHex4()
                        guard (0xDC00..<0xE000).contains(low) else {
                            throw JSONParseError("unpaired UTF-16 surrogate", at: position)
                        }
                        scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                    } else if (0xDC00..<0xE000).contains(scalar) {
                        throw JSONParseError("unpaired UTF-16 surrogate", at: position)
                    }
                    utf8.append(contentsOf: Array(String(Character(Unicode.Scalar(scalar)!)).utf8))
                default:
                    throw JSONParseError("invalid escape '\\\(printable(escape))'", at: position - 1)
                }
            default:
                if byte < 0x20 { throw JSONParseError("control character in a string", at: position) }
                utf8.append(byte)
                position += 1
            }
        }
        throw JSONParseError("unterminated string", at: start - 1)
    }

    private mutating func parseHex4() throws(JSONParseError) -> UInt32 {
        guard position + 4 <= buffer.count else { throw JSONParseError("truncated \\u escape", at: position) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = buffer[position]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw JSONParseError("invalid \\u escape", at: position)
            }
            value = value << 4 | digit
            position += 1
        }
        return value
    }

    @usableFromInline static func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
}

/// Renders a byte for an error message without echoing control characters.
func printable(_ byte: UInt8) -> String {
    (0x21..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
}
