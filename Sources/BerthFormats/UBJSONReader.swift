import BerthJSON

/// Reads UBJSON as XGBoost writes it (`xgb@v3.2.0:src/common/json.cc`, docs/model-formats.md §2.5) into `JSONValue`.
///
/// Big-endian numbers; object keys without an `S` marker; optimised containers `[$<type>#<count>` and
/// `[#<count>` with no closing bracket; plain containers closed by `]`/`}`. Every count is checked against the
/// bytes left before anything is allocated, so a 10-byte file cannot ask for a billion-element array.
public struct UBJSONReader {
    public static func parse(_ bytes: [UInt8], maxDepth: Int = JSONReader.defaultMaxDepth) throws(JSONParseError) -> JSONValue {
        try parse(bytes, maxDepth: maxDepth, listingObjectsUnder: nil).document
    }

    /// Parses the document, except that every array under a member named `listKey` is read as a list of objects,
    /// each kept as its members in document order, and that member is left out of its object.
    ///
    /// For XGBoost's `trees`: hundreds of objects of the same dozen members, each read once. As member lists they
    /// cost no hashing, and their typed arrays stay the document's bytes (`BinaryNumbers`) until read, straight
    /// into the type the reader needs (`JSONMembers.mapNumbers`); elsewhere typed arrays become `.numberArray`.
    public static func parse(_ bytes: [UInt8], maxDepth: Int = JSONReader.defaultMaxDepth, listingObjectsUnder listKey: String?)
        throws(JSONParseError) -> (document: JSONValue, lists: [ListedObjects])
    {
        try bytes.withUnsafeBufferPointer { buffer throws(JSONParseError) in
            var reader = UBJSONReader(document: bytes, buffer: buffer, maxDepth: maxDepth, listKey: listKey)
            let value = try reader.parseValue(marker: try reader.readByte(), depth: 0)
            guard reader.position == buffer.count else {
                throw JSONParseError("unexpected bytes after the UBJSON value", at: reader.position)
            }
            return (value, reader.lists)
        }
    }

    /// The bytes `buffer` points into, which typed arrays keep slices of.
    private let document: [UInt8]
    private let buffer: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    private let listKey: String?
    private var lists: [ListedObjects] = []
    /// The keys from the root to the value being read, `[]` for an array's element: where a list was found.
    private var path: [String] = []
    private var position = 0

    private init(document: [UInt8], buffer: UnsafeBufferPointer<UInt8>, maxDepth: Int, listKey: String?) {
        self.document = document
        self.buffer = buffer
        self.maxDepth = maxDepth
        self.listKey = listKey
    }

    private mutating func readByte() throws(JSONParseError) -> UInt8 {
        guard position < buffer.count else { throw JSONParseError("unexpected end of UBJSON", at: position) }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func readBigEndian(_ width: Int) throws(JSONParseError) -> UInt64 {
        guard buffer.count - position >= width else { throw JSONParseError("unexpected end of UBJSON", at: position) }
        var value: UInt64 = 0
        for index in 0..<width { value = value << 8 | UInt64(buffer[position + index]) }
        position += width
        return value
    }

    /// The element type a numeric marker names; nil for any other marker.
    private static func element(ofNumeric marker: UInt8) -> BinaryNumbers.Element? {
        switch marker {
        case UInt8(ascii: "i"): .int8
        case UInt8(ascii: "U"): .uint8
        case UInt8(ascii: "I"): .int16
        case UInt8(ascii: "l"): .int32
        case UInt8(ascii: "L"): .int64
        case UInt8(ascii: "d"): .float32
        case UInt8(ascii: "D"): .float64
        default: nil
        }
    }

    private static func width(ofNumeric marker: UInt8) -> Int? {
        element(ofNumeric: marker)?.width
    }

    private mutating func readNumber(marker: UInt8) throws(JSONParseError) -> Double {
        switch marker {
        case UInt8(ascii: "i"): return Double(Int8(bitPattern: UInt8(try readBigEndian(1))))
        case UInt8(ascii: "U"): return Double(UInt8(try readBigEndian(1)))
        case UInt8(ascii: "I"): return Double(Int16(bitPattern: UInt16(try readBigEndian(2))))
        case UInt8(ascii: "l"): return Double(Int32(bitPattern: UInt32(try readBigEndian(4))))
        case UInt8(ascii: "L"): return Double(Int64(bitPattern: try readBigEndian(8)))
        case UInt8(ascii: "d"): return Double(Float(bitPattern: UInt32(try readBigEndian(4))))
        case UInt8(ascii: "D"): return Double(bitPattern: try readBigEndian(8))
        default: throw JSONParseError("'\(Character(UnicodeScalar(marker)))' is not a UBJSON number type", at: position - 1)
        }
    }

    /// A typed numeric array as its bytes in the document: kept so in a listed tree (`keepsTypedArrays`), read into
    /// doubles at once everywhere else (`parseArray`).
    private mutating func readNumbers(count: Int, element: BinaryNumbers.Element) throws(JSONParseError) -> BinaryNumbers {
        let width = element.width
        guard count <= (buffer.count - position) / width else {
            throw JSONParseError("array of \(count) elements runs past the end", at: position)
        }
        defer { position += count * width }
        return BinaryNumbers(element: element, bytes: document[position..<position + count * width])
    }

    /// A length or count: any integer marker, never negative.
    private mutating func readCount() throws(JSONParseError) -> Int {
        let marker = try readByte()
        guard marker != UInt8(ascii: "d"), marker != UInt8(ascii: "D"), Self.width(ofNumeric: marker) != nil else {
            throw JSONParseError("expected an integer length", at: position - 1)
        }
        let value = try readNumber(marker: marker)
        guard value >= 0, value <= Double(buffer.count) else {
            throw JSONParseError("length \(value) exceeds the file", at: position)
        }
        return Int(value)
    }

    private mutating func readString() throws(JSONParseError) -> String {
        let length = try readCount()
        guard buffer.count - position >= length else { throw JSONParseError("string runs past the end", at: position) }
        defer { position += length }
        return String(decoding: UnsafeBufferPointer(rebasing: buffer[position..<position + length]), as: UTF8.self)
    }

    private mutating func parseValue(marker: UInt8, depth: Int) throws(JSONParseError) -> JSONValue {
        switch marker {
        case UInt8(ascii: "Z"): return .null
        case UInt8(ascii: "T"): return .bool(true)
        case UInt8(ascii: "F"): return .bool(false)
        case UInt8(ascii: "S"): return .string(try readString())
        case UInt8(ascii: "C"): return .string(String(UnicodeScalar(try readByte())))
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1).parsed
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        default:
            guard Self.width(ofNumeric: marker) != nil else {
                throw JSONParseError("unknown UBJSON marker 0x\(String(marker, radix: 16))", at: position - 1)
            }
            return .number(try readNumber(marker: marker))
        }
    }

    /// Reads an optional `$type` and `#count` header of an optimised container.
    private mutating func containerHeader() throws(JSONParseError) -> (type: UInt8?, count: Int?) {
        var type: UInt8?
        if position < buffer.count, buffer[position] == UInt8(ascii: "$") {
            position += 1
            let marker = try readByte()
            // Every element must cost at least a byte of the file, so a file of n bytes holds at most n values;
            // null and boolean elements cost none (XGBoost writes typed containers of numbers only).
            guard ![UInt8(ascii: "Z"), UInt8(ascii: "T"), UInt8(ascii: "F"), UInt8(ascii: "N")].contains(marker) else {
                throw JSONParseError("a typed container of null or boolean values is not supported", at: position - 1)
            }
            type = marker
        }
        if position < buffer.count, buffer[position] == UInt8(ascii: "#") {
            position += 1
            return (type, try readCount())
        }
        guard type == nil else { throw JSONParseError("a typed container needs a count", at: position) }
        return (nil, nil)
    }

    /// An array after its `[`; a typed numeric array stays the document's bytes where `keepsTypedArrays`.
    private mutating func parseArray(depth: Int, keepsTypedArrays: Bool = false) throws(JSONParseError) -> JSONMembers.Value {
        guard depth <= maxDepth else { throw JSONParseError("UBJSON nested deeper than \(maxDepth) levels", at: position) }
        let (type, count) = try containerHeader()
        var elements = [JSONValue]()
        if let count {
            let minimumBytes = type.flatMap(Self.width(ofNumeric:)) ?? 1
            guard count.multipliedReportingOverflow(by: minimumBytes).partialValue <= buffer.count - position else {
                throw JSONParseError("array of \(count) elements runs past the end", at: position)
            }
            if let type, let element = Self.element(ofNumeric: type) {
                let numbers = try readNumbers(count: count, element: element)
                return keepsTypedArrays ? .numbers(numbers) : .parsed(.numberArray(numbers.doubles))
            }
            elements.reserveCapacity(min(count, buffer.count - position))
            path.append(Self.elementStep)
            defer { path.removeLast() }
            for _ in 0..<count {
                let marker: UInt8
                if let type { marker = type } else { marker = try readByte() }
                elements.append(try parseValue(marker: marker, depth: depth))
            }
            return .parsed(.array(elements))
        }
        path.append(Self.elementStep)
        defer { path.removeLast() }
        while true {
            let marker = try readByte()
            if marker == UInt8(ascii: "]") { return .parsed(.array(elements)) }
            if marker == UInt8(ascii: "N") { continue }
            elements.append(try parseValue(marker: marker, depth: depth))
        }
    }

    /// The step a path takes into an array's elements.
    static let elementStep = "[]"

    private mutating func parseObject(depth: Int) throws(JSONParseError) -> JSONValue {
        try parseMembers(depth: depth).object
    }

    /// An object's members after its `{`, in document order; a member under `listKey` goes to `lists` instead, and
    /// a typed array stays the document's bytes where `keepsTypedArrays`.
    private mutating func parseMembers(depth: Int, keepsTypedArrays: Bool = false) throws(JSONParseError) -> JSONMembers {
        guard depth <= maxDepth else { throw JSONParseError("UBJSON nested deeper than \(maxDepth) levels", at: position) }
        let (type, count) = try containerHeader()
        var members = JSONMembers()
        if let count {
            guard count <= buffer.count - position else { throw JSONParseError("object runs past the end", at: position) }
            for _ in 0..<count {
                let key = try readString()
                let marker: UInt8
                if let type { marker = type } else { marker = try readByte() }
                try parseMember(key: key, marker: marker, depth: depth, keepsTypedArrays: keepsTypedArrays, into: &members)
            }
            return members
        }
        while true {
            guard position < buffer.count else { throw JSONParseError("unterminated object", at: position) }
            if buffer[position] == UInt8(ascii: "}") {
                position += 1
                return members
            }
            let key = try readString()
            try parseMember(key: key, marker: try readByte(), depth: depth, keepsTypedArrays: keepsTypedArrays, into: &members)
        }
    }

    private mutating func parseMember(key: String, marker: UInt8, depth: Int, keepsTypedArrays: Bool,
                                      into members: inout JSONMembers) throws(JSONParseError) {
        guard marker == UInt8(ascii: "[") || marker == UInt8(ascii: "{") else {
            members.append(key: key, value: .parsed(try parseValue(marker: marker, depth: depth)))
            return
        }
        path.append(key)
        defer { path.removeLast() }
        if marker == UInt8(ascii: "["), let listKey, key == listKey {
            let listPath = path
            lists.append(ListedObjects(path: listPath, objects: try parseObjectList(depth: depth + 1)))
        } else if marker == UInt8(ascii: "[") {
            members.append(key: key, value: try parseArray(depth: depth + 1, keepsTypedArrays: keepsTypedArrays))
        } else {
            members.append(key: key, value: .parsed(try parseValue(marker: marker, depth: depth)))
        }
    }

    /// An array after its `[` whose every element is an object, each read as its members.
    private mutating func parseObjectList(depth: Int) throws(JSONParseError) -> [JSONMembers] {
        guard depth <= maxDepth else { throw JSONParseError("UBJSON nested deeper than \(maxDepth) levels", at: position) }
        let (type, count) = try containerHeader()
        var objects = [JSONMembers]()
        path.append(Self.elementStep)
        defer { path.removeLast() }
        func object(marker: UInt8) throws(JSONParseError) -> JSONMembers {
            guard marker == UInt8(ascii: "{") else {
                throw JSONParseError("the array under \"\(listKey ?? "")\" holds something other than an object", at: position - 1)
            }
            return try parseMembers(depth: depth + 1, keepsTypedArrays: true)
        }
        if let count {
            // An object takes at least its closing brace, or a count: a byte.
            guard count <= buffer.count - position else { throw JSONParseError("array of \(count) elements runs past the end", at: position) }
            objects.reserveCapacity(count)
            for _ in 0..<count {
                let marker: UInt8
                if let type { marker = type } else { marker = try readByte() }
                objects.append(try object(marker: marker))
            }
            return objects
        }
        while true {
            let marker = try readByte()
            if marker == UInt8(ascii: "]") { return objects }
            if marker == UInt8(ascii: "N") { continue }
            objects.append(try object(marker: marker))
        }
    }
}

/// An array of objects `UBJSONReader.parse(_:listingObjectsUnder:)` read as member lists, and where it was.
public struct ListedObjects: Sendable {
    /// The member keys from the document's root down to the array's own key; `[]` steps into an array's element.
    public let path: [String]
    public let objects: [JSONMembers]
}
