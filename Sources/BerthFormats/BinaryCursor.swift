/// Sequential little-endian reads over a byte array, each checked against the bytes left.
///
/// The legacy XGBoost format is a dump of C structs; every count in it comes from the file, so every read and
/// every allocation sized by one is bounded by what the file actually holds.
struct BinaryCursor {
    let bytes: [UInt8]
    private(set) var offset = 0

    init(_ bytes: [UInt8], offset: Int = 0) {
        self.bytes = bytes
        self.offset = offset
    }

    var remaining: Int { bytes.count - offset }

    struct OutOfBytes: Error {
        let offset: Int
        let needed: Int
    }

    mutating func skip(_ count: Int) throws(OutOfBytes) {
        guard count >= 0, count <= remaining else { throw OutOfBytes(offset: offset, needed: count) }
        offset += count
    }

    mutating func uint32() throws(OutOfBytes) -> UInt32 {
        guard remaining >= 4 else { throw OutOfBytes(offset: offset, needed: 4) }
        defer { offset += 4 }
        return UInt32(bytes[offset]) | UInt32(bytes[offset + 1]) << 8 | UInt32(bytes[offset + 2]) << 16 | UInt32(bytes[offset + 3]) << 24
    }

    mutating func int32() throws(OutOfBytes) -> Int32 { Int32(bitPattern: try uint32()) }

    mutating func uint64() throws(OutOfBytes) -> UInt64 {
        let low = UInt64(try uint32())
        return UInt64(try uint32()) << 32 | low
    }

    mutating func float32() throws(OutOfBytes) -> Float { Float(bitPattern: try uint32()) }

    /// A dmlc string: `uint64` length, then that many bytes.
    mutating func string() throws(OutOfBytes) -> String {
        let length = try uint64()
        guard length <= UInt64(remaining) else { throw OutOfBytes(offset: offset, needed: Int(clamping: length)) }
        defer { offset += Int(length) }
        return String(decoding: bytes[offset..<offset + Int(length)], as: UTF8.self)
    }

    /// A count of elements of `width` bytes each that must fit in what is left.
    mutating func count(elementWidth width: Int) throws(OutOfBytes) -> Int {
        let value = try uint64()
        guard value <= UInt64(remaining / max(width, 1)) else { throw OutOfBytes(offset: offset, needed: Int(clamping: value)) }
        return Int(value)
    }
}
