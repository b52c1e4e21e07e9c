/// The header of a NumPy `.npy` array (NEP-01, FMT-NPY-1): magic, version, and the Python dict literal that
/// gives the dtype, the memory order and the shape.
///
/// Only the dict numpy itself writes is read — `{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }` —
/// with a small parser of our own, never a Python evaluator: anything else is a malformed header.
struct NPYHeader: Equatable {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    var descr: String
    var fortranOrder: Bool
    var shape: [Int]
    /// Where the array's data starts in the file.
    var dataOffset: Int

    struct Malformed: Error {
        let reason: String
    }

    /// Reads the header at the start of `bytes`.
    init(_ bytes: UnsafeBufferPointer<UInt8>) throws(Malformed) {
        guard bytes.count >= 10, bytes.prefix(6).elementsEqual(Self.magic) else {
            throw Malformed(reason: "it does not start with the NumPy magic \\x93NUMPY")
        }
        let major = bytes[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default: throw Malformed(reason: "format version \(major).\(bytes[7]) is not one of 1.0, 2.0, 3.0")
        }
        guard bytes.count >= 8 + lengthBytes else { throw Malformed(reason: "the header is truncated") }
        var length = 0
        for index in 0..<lengthBytes { length |= Int(bytes[8 + index]) << (8 * index) }
        let start = 8 + lengthBytes
        guard length <= bytes.count - start else {
            throw Malformed(reason: "the header declares \(length) bytes but the body has \(bytes.count - start) after it")
        }
        guard length <= 1 << 16 else { throw Malformed(reason: "the header declares \(length) bytes, more than any array needs") }
        dataOffset = start + length
        var parser = DictLiteralParser(bytes: UnsafeBufferPointer(rebasing: bytes[start..<dataOffset]))
        let entries = try parser.parseDict()
        guard case .string(let descr)? = entries["descr"] else { throw Malformed(reason: "the header has no 'descr' string") }
        guard case .boolean(let fortranOrder)? = entries["fortran_order"] else { throw Malformed(reason: "the header has no 'fortran_order' boolean") }
        guard case .tuple(let shape)? = entries["shape"] else { throw Malformed(reason: "the header has no 'shape' tuple") }
        guard entries.count == 3 else { throw Malformed(reason: "the header has keys other than descr, fortran_order and shape") }
        self.descr = descr
        self.fortranOrder = fortranOrder
        self.shape = shape
    }

    /// The header numpy's `np.save` writes for a little-endian float32 array of `shape`.
    static func float32Header(shape: [Int]) -> [UInt8] {
        header(descr: "<f4", shape: shape)
    }

    /// The header numpy's `np.save` writes for a C-order array of `descr` (`<f4`, `<f8`) and `shape` (format 1.0,
    /// padded with spaces and a newline so the data starts on a 64-byte boundary).
    static func header(descr: String, shape: [Int]) -> [UInt8] {
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        var dict = Array("{'descr': '\(descr)', 'fortran_order': False, 'shape': \(shapeText), }".utf8)
        let unpadded = magic.count + 2 + 2 + dict.count + 1
        dict.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (64 - unpadded % 64) % 64))
        dict.append(UInt8(ascii: "\n"))
        return magic + [1, 0, UInt8(dict.count & 0xFF), UInt8(dict.count >> 8)] + dict
    }
}

/// The values a NumPy header dict holds.
enum DictLiteral: Equatable {
    case string(String)
    case boolean(Bool)
    case tuple([Int])
}

/// Parses `{'key': value, ...}` where a value is a quoted string, `True`/`False`, or a tuple of integers.
private struct DictLiteralParser {
    let bytes: UnsafeBufferPointer<UInt8>
    var position = 0

    init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

    mutating func parseDict() throws(NPYHeader.Malformed) -> [String: DictLiteral] {
        var entries = [String: DictLiteral]()
        try expect("{")
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: "}") { break }
            let key = try parseString()
            try expect(":")
            skipSpaces()
            entries[key] = try parseValue()
            skipSpaces()
            if peek() == UInt8(ascii: ",") { position += 1 } else { break }
        }
        try expect("}")
        skipSpaces()
        guard position == bytes.count else { throw fail("unexpected text after the header dict") }
        return entries
    }

    private mutating func parseValue() throws(NPYHeader.Malformed) -> DictLiteral {
        switch peek() {
        case UInt8(ascii: "'"), UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "("): return .tuple(try parseTuple())
        default:
            if consume("True") { return .boolean(true) }
            if consume("False") { return .boolean(false) }
            throw fail("a header value is not a string, True/False or a tuple (object and structured dtypes are not supported)")
        }
    }

    private mutating func parseString() throws(NPYHeader.Malformed) -> String {
        skipSpaces()
        guard let quote = peek(), quote == UInt8(ascii: "'") || quote == UInt8(ascii: "\"") else { throw fail("expected a quoted string") }
        position += 1
        let start = position
        while position < bytes.count && bytes[position] != quote {
            guard bytes[position] != UInt8(ascii: "\\") else { throw fail("escapes in header strings are not supported") }
            position += 1
        }
        guard position < bytes.count else { throw fail("unterminated string") }
        defer { position += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    private mutating func parseTuple() throws(NPYHeader.Malformed) -> [Int] {
        try expect("(")
        var values = [Int]()
        while true {
            skipSpaces()
            if peek() == UInt8(ascii: ")") { break }
            let start = position
            while let byte = peek(), (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) { position += 1 }
            guard position > start, position - start <= 18 else { throw fail("a shape entry is not a non-negative integer") }
            values.append(Int(String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self))!)
            // Python 2's long suffix, which old numpy versions wrote.
            if peek() == UInt8(ascii: "L") { position += 1 }
            skipSpaces()
            if peek() == UInt8(ascii: ",") { position += 1 } else { break }
        }
        try expect(")")
        return values
    }

    private func peek() -> UInt8? { position < bytes.count ? bytes[position] : nil }

    private mutating func skipSpaces() {
        while let byte = peek(), byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\t") { position += 1 }
    }

    private mutating func expect(_ character: Character) throws(NPYHeader.Malformed) {
        skipSpaces()
        guard peek() == character.asciiValue else { throw fail("expected '\(character)'") }
        position += 1
    }

    private mutating func consume(_ word: String) -> Bool {
        guard bytes.count - position >= word.utf8.count,
              bytes[position..<position + word.utf8.count].elementsEqual(word.utf8) else { return false }
        position += word.utf8.count
        return true
    }

    private func fail(_ reason: String) -> NPYHeader.Malformed {
        NPYHeader.Malformed(reason: "\(reason) (header byte \(position))")
    }
}
