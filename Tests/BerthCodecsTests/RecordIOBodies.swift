import BerthProtobuf
@testable import BerthCodecs

/// Builds RecordIO-protobuf request bodies for tests: each row a `Record` whose features entry `"values"` holds
/// a float32 tensor, dense or sparse. (Fixture bodies under opt-ml-fixtures/ are written by Python's protobuf.)
enum RecordIOBodies {
    /// `packedKeys` false writes keys and shape one varint field each, as protobuf also allows.
    static func record(values: [Float], keys: [UInt64] = [], shape: [UInt64] = [], packedKeys: Bool = true) -> [UInt8] {
        var packedValues = [UInt8]()
        for value in values { LittleEndian.appendUInt32(value.bitPattern, to: &packedValues) }
        return record(packedValues: packedValues, keys: keys, shape: shape, packedKeys: packedKeys)
    }

    /// A dense `Float64Tensor` row.
    static func record(doubles: [Double]) -> [UInt8] {
        var packedValues = [UInt8]()
        for value in doubles { LittleEndian.appendUInt64(value.bitPattern, to: &packedValues) }
        return record(packedValues: packedValues, tensorField: RecordIOSchema.float64Tensor)
    }

    /// A row whose packed values are these bytes, whatever their length.
    static func record(packedValues: [UInt8], tensorField: UInt64 = RecordIOSchema.float32Tensor, keys: [UInt64] = [],
                       shape: [UInt64] = [], packedKeys: Bool = true) -> [UInt8] {
        var valueFields = [UInt8]()
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.tensorValues, length: packedValues.count, to: &valueFields)
        valueFields += packedValues
        return record(valueFields: valueFields, tensorField: tensorField, keys: keys, shape: shape, packedKeys: packedKeys)
    }

    /// A float32 row whose values are written in pieces, as protobuf allows a repeated field to be: each piece
    /// packed (one length-delimited field) or unpacked (one fixed32 field a value).
    static func record(pieces: [(values: [Float], packed: Bool)], keys: [UInt64] = [], shape: [UInt64] = []) -> [UInt8] {
        var valueFields = [UInt8]()
        for piece in pieces {
            var bytes = [UInt8]()
            for value in piece.values {
                if !piece.packed { ProtobufWriter.appendVarint(RecordIOSchema.tensorValues << 3 | 5, to: &bytes) }
                LittleEndian.appendUInt32(value.bitPattern, to: &bytes)
            }
            if piece.packed { ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.tensorValues, length: bytes.count, to: &valueFields) }
            valueFields += bytes
        }
        return record(valueFields: valueFields, keys: keys, shape: shape)
    }

    /// A row whose tensor starts with these value fields, already written.
    private static func record(valueFields: [UInt8], tensorField: UInt64 = RecordIOSchema.float32Tensor, keys: [UInt64] = [],
                               shape: [UInt64] = [], packedKeys: Bool = true) -> [UInt8] {
        var tensor = valueFields
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
        ProtobufWriter.appendLengthDelimitedHeader(tensorField, length: tensor.count, to: &value)
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
