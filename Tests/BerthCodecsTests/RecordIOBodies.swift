import BerthProtobuf
@testable import BerthCodecs

/// Builds RecordIO-protobuf request bodies for tests: each row a `Record` whose features entry `"values"` holds
/// a float32 tensor, dense or sparse. (Fixture bodies under opt-ml-fixtures/ are written by Python's protobuf.)
enum RecordIOBodies {
    /// `packedKeys` false writes keys and shape one varint field each, as protobuf also allows.
    static func record(values: [Float], keys: [UInt64] = [], shape: [UInt64] = [], packedKeys: Bool = true) -> [UInt8] {
        var tensor = [UInt8]()
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.tensorValues, length: values.count * 4, to: &tensor)
        for value in values { LittleEndian.appendUInt32(value.bitPattern, to: &tensor) }
        for (field, numbers) in [(RecordIOSchema.tensorKeys, keys), (RecordIOSchema.tensorShape, shape)] where !numbers.isEmpty {
            if !packedKeys {
                for number in numbers {
                    ProtobufWriter.appendVarint(field << 3, to: &tensor)
                    ProtobufWriter.appendVarint(number, to: &tensor)
                }
                continue
            }
            var packed = [UInt8]()
            for number in numbers { ProtobufWriter.appendVarint(number, to: &packed) }
            ProtobufWriter.appendLengthDelimitedHeader(field, length: packed.count, to: &tensor)
            tensor += packed
        }
        var value = [UInt8]()
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.float32Tensor, length: tensor.count, to: &value)
        value += tensor
        var entry = [UInt8]()
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.mapKey, length: 6, to: &entry)
        entry += Array("values".utf8)
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.mapValue, length: value.count, to: &entry)
        entry += value
        var record = [UInt8]()
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.recordFeatures, length: entry.count, to: &record)
        return record + entry
    }

    static func framed(_ records: [[UInt8]]) -> [UInt8] {
        var body = [UInt8]()
        for record in records {
            RecordIOFraming.appendHeader(length: record.count, to: &body)
            body += record
            RecordIOFraming.appendPadding(length: record.count, to: &body)
        }
        return body
    }
}
