import BerthProtobuf
import BerthCore

/// `application/x-recordio-protobuf` responses: one RecordIO-framed `Record` per row, its outputs in the `label`
/// map as `float32_tensor`s — `score` by default, each selected key otherwise (FMT-RIO-3).
///
/// Each record is written on its own; the official container repeats every earlier record inside each new one
/// (OBS-8), so its responses grow quadratically. Readers that take the last map entry see the same values.
public struct RecordIOEncoder: ResponseEncoder {
    public let options: ResponseEncodingOptions

    public init(options: ResponseEncodingOptions = .init()) {
        self.options = options
    }

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        for row in 0..<predictions.rowCount {
            let entries = options.namedValues(predictions, row: row).map { (name: $0.name, values: $0.value.float32s) }
            // Sizes of the nested messages: label map entry { key, Value { Float32Tensor { values } } }.
            let sizes = entries.map { entry in
                let tensor = ProtobufWriter.lengthDelimitedSize(4 * entry.values.count)
                let value = ProtobufWriter.lengthDelimitedSize(tensor)
                let mapEntry = ProtobufWriter.lengthDelimitedSize(entry.name.utf8.count) + ProtobufWriter.lengthDelimitedSize(value)
                return (tensor: tensor, value: value, mapEntry: mapEntry)
            }
            let recordLength = sizes.reduce(0) { $0 + ProtobufWriter.lengthDelimitedSize($1.mapEntry) }
            RecordIOFraming.appendHeader(length: recordLength, to: &output)
            for (entry, size) in zip(entries, sizes) {
                ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.recordLabel, length: size.mapEntry, to: &output)
                ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.mapKey, length: entry.name.utf8.count, to: &output)
                output.append(contentsOf: entry.name.utf8)
                ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.mapValue, length: size.value, to: &output)
                ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.float32Tensor, length: size.tensor, to: &output)
                ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.tensorValues, length: 4 * entry.values.count, to: &output)
                for value in entry.values { LittleEndian.appendUInt32(value.bitPattern, to: &output) }
            }
            RecordIOFraming.appendPadding(length: recordLength, to: &output)
        }
    }
}
