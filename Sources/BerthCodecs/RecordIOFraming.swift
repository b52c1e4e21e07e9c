/// MXNet/dmlc RecordIO framing, as SageMaker uses it around each protobuf `Record` (FMT-RIO-1).
///
/// Each record is `u32 magic 0xCED7230A`, `u32 lrecord` (a 3-bit continuation flag in bits 29–31, the length in
/// bits 0–28), the payload, then zero padding to a multiple of 4 bytes; all little-endian.
public enum RecordIOFraming {
    static let magic: UInt32 = 0xCED7_230A
    static let lengthMask: UInt32 = 0x1FFF_FFFF

    /// Whether `bytes` starts with the RecordIO magic (a SINGLE_RECORD batch request may be a bare `Record`).
    public static func startsWithMagic(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        bytes.count >= 4 && LittleEndian.uint32(bytes, at: 0) == magic
    }

    /// The payload ranges of every record in `bytes`, in order.
    public static func records(in bytes: UnsafeBufferPointer<UInt8>) throws(CodecError) -> [Range<Int>] {
        var ranges = [Range<Int>]()
        var position = 0
        while position < bytes.count {
            let record = try self.record(in: bytes, at: position, number: ranges.count + 1)
            ranges.append(record.payload)
            position = record.end
        }
        return ranges
    }

    /// The record starting at `position` (the `number`th, for messages): its payload and where its padding ends.
    public static func record(in bytes: UnsafeBufferPointer<UInt8>, at position: Int, number: Int) throws(CodecError) -> (payload: Range<Int>, end: Int) {
        guard bytes.count - position >= 8 else {
            throw .bad("RecordIO record \(number) is truncated: \(bytes.count - position) bytes left where an 8-byte header was expected")
        }
        let found = LittleEndian.uint32(bytes, at: position)
        guard found == magic else {
            throw .bad("RecordIO record \(number) at byte \(position) does not start with the magic 0xCED7230A (found 0x\(String(found, radix: 16, uppercase: true)))")
        }
        let header = LittleEndian.uint32(bytes, at: position + 4)
        let flag = header >> 29
        guard flag == 0 else {
            throw .bad("RecordIO record \(number) has continuation flag \(flag): multi-part records are not supported; write each record whole")
        }
        let length = Int(header & lengthMask)
        let start = position + 8
        guard length <= bytes.count - start else {
            throw .bad("RecordIO record \(number) declares \(length) bytes but only \(bytes.count - start) remain: the body is truncated")
        }
        // The last record's padding may be missing (batch transform strips it from SINGLE_RECORD requests).
        return (start..<start + length, start + min((length + 3) & ~3, bytes.count - start))
    }

    /// Appends a record's header; the caller appends the payload and then `appendPadding`.
    static func appendHeader(length: Int, to output: inout [UInt8]) {
        LittleEndian.appendUInt32(magic, to: &output)
        LittleEndian.appendUInt32(UInt32(length) & lengthMask, to: &output)
    }

    static func appendPadding(length: Int, to output: inout [UInt8]) {
        output.append(contentsOf: repeatElement(0, count: (4 - length % 4) % 4))
    }
}
