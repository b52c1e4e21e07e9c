/// The protobuf wire format, as far as Berth's two protobuf schemas need it: SageMaker's RecordIO-protobuf
/// (`aialgs.data.Record`, requests and responses) and ONNX's `ModelProto` (model files).
///
/// A reader of our own over the bytes instead of swift-protobuf's generated messages: both schemas are small
/// subsets (a handful of messages each), the reader walks the caller's buffer without copying it into message
/// objects (a model's weights are read straight from `raw_data`), every read is bounds-checked for hostile
/// input, and there is no generated code to keep in step with a `.proto` file. A writer appends fields straight
/// into a response buffer.
public enum ProtobufWireType: UInt8, Sendable {
    case varint = 0
    case fixed64 = 1
    case lengthDelimited = 2
    case fixed32 = 5
}

/// Walks the fields of one message in a byte range; every read is bounds-checked and throws on malformed input.
public struct ProtobufReader {
    public let bytes: UnsafeBufferPointer<UInt8>
    public private(set) var position: Int
    public let end: Int

    public init(_ bytes: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) {
        self.bytes = bytes
        position = range.lowerBound
        end = range.upperBound
    }

    /// Why the bytes are not a valid protobuf message.
    public struct Malformed: Error, Sendable {
        public let reason: String

        public init(reason: String) { self.reason = reason }
    }

    public var isAtEnd: Bool { position >= end }

    /// The next field's number and wire type, or nil at the end of the message.
    public mutating func nextField() throws(Malformed) -> (number: UInt64, wireType: ProtobufWireType)? {
        guard !isAtEnd else { return nil }
        let key = try varint()
        guard let wireType = ProtobufWireType(rawValue: UInt8(key & 7)) else {
            throw Malformed(reason: "unsupported protobuf wire type \(key & 7)")
        }
        guard key >> 3 > 0 else { throw Malformed(reason: "protobuf field number 0") }
        return (key >> 3, wireType)
    }

    public mutating func varint() throws(Malformed) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw Malformed(reason: "truncated protobuf varint") }
            let byte = bytes[position]
            position += 1
            guard shift < 64 else { throw Malformed(reason: "protobuf varint longer than 10 bytes") }
            result |= UInt64(byte & 0x7F) << shift
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
    }

    public mutating func fixed32() throws(Malformed) -> UInt32 {
        guard end - position >= 4 else { throw Malformed(reason: "truncated protobuf fixed32") }
        defer { position += 4 }
        return littleEndianInteger(at: position, bytes: 4)
    }

    public mutating func fixed64() throws(Malformed) -> UInt64 {
        guard end - position >= 8 else { throw Malformed(reason: "truncated protobuf fixed64") }
        defer { position += 8 }
        return littleEndianInteger(at: position, bytes: 8)
    }

    /// The byte range of a length-delimited field (a nested message, string or packed array).
    public mutating func lengthDelimited() throws(Malformed) -> Range<Int> {
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw Malformed(reason: "a protobuf field declares \(length) bytes but only \(end - position) remain")
        }
        let start = position
        position += Int(length)
        return start..<position
    }

    public mutating func skip(_ wireType: ProtobufWireType) throws(Malformed) {
        switch wireType {
        case .varint: _ = try varint()
        case .fixed64: _ = try fixed64()
        case .lengthDelimited: _ = try lengthDelimited()
        case .fixed32: _ = try fixed32()
        }
    }

    private func littleEndianInteger<T: FixedWidthInteger>(at offset: Int, bytes count: Int) -> T {
        var value: T = 0
        for index in 0..<count { value |= T(bytes[offset + index]) << (8 * index) }
        return value
    }
}

/// Appends protobuf fields to a byte buffer.
public enum ProtobufWriter {
    public static func appendVarint(_ value: UInt64, to output: inout [UInt8]) {
        var remaining = value
        while remaining >= 0x80 {
            output.append(UInt8(truncatingIfNeeded: remaining) | 0x80)
            remaining >>= 7
        }
        output.append(UInt8(remaining))
    }

    public static func appendKey(_ field: UInt64, _ wireType: ProtobufWireType, to output: inout [UInt8]) {
        appendVarint(field << 3 | UInt64(wireType.rawValue), to: &output)
    }

    /// The encoded size of a varint.
    public static func varintSize(_ value: UInt64) -> Int {
        var size = 1
        var remaining = value >> 7
        while remaining > 0 {
            size += 1
            remaining >>= 7
        }
        return size
    }

    /// A length-delimited field's key and length; the caller appends exactly `length` bytes next.
    public static func appendLengthDelimitedHeader(_ field: UInt64, length: Int, to output: inout [UInt8]) {
        appendKey(field, .lengthDelimited, to: &output)
        appendVarint(UInt64(length), to: &output)
    }

    /// The size of a length-delimited field holding `length` bytes, key included (single-byte field numbers).
    public static func lengthDelimitedSize(_ length: Int) -> Int { 1 + varintSize(UInt64(length)) + length }
}
