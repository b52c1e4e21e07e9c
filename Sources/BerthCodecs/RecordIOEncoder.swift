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
        if let selection = options.selection {
            // The selected outputs in the official order, as JSON objects list them.
            let keys = selection.jsonKeys, wide = predictions.wideValues
            for row in 0..<predictions.rowCount {
                let values = wide[predictions.rowRange(row)]
                let entries = keys.map { (name: $0.rawValue, values: selection.value($0, row: values).float32s) }
                let record = RecordLayout(entries.map { (name: $0.name, valueCount: $0.values.count) })
                record.appendHeader(to: &output)
                for (index, entry) in entries.enumerated() {
                    record.appendOpening(ofEntry: index, to: &output)
                    for value in entry.values { LittleEndian.appendUInt32(value.bitPattern, to: &output) }
                }
                record.appendPadding(to: &output)
            }
            return
        }
        // The scores alone: every record has the same layout, `score` and the row's values, so the bytes before and
        // after the values are written once and copied for each row (a list of named values built for every row
        // made a 10,000-row answer six times as slow as its CSV).
        let columns = predictions.columnCount
        let record = RecordLayout([(name: "score", valueCount: columns)])
        var opening = [UInt8](), closing = [UInt8]()
        record.appendHeader(to: &opening)
        record.appendOpening(ofEntry: 0, to: &opening)
        record.appendPadding(to: &closing)
        output.reserveCapacity(output.count + predictions.rowCount * (opening.count + 4 * columns + closing.count))
        for row in 0..<predictions.rowCount {
            output.append(contentsOf: opening)
            for column in 0..<columns {
                let index = row * columns + column
                // Through the double, as the selected outputs' values go (`SelectedValue.float32s`).
                let value = Float(predictions.doubles?[index] ?? Double(predictions.values[index]))
                LittleEndian.appendUInt32(value.bitPattern, to: &output)
            }
            output.append(contentsOf: closing)
        }
    }
}

/// One record's nested lengths — label map entry { key, Value { Float32Tensor { values } } } for each named output —
/// and the bytes that frame its values.
private struct RecordLayout {
    private let entries: [(name: String, valueCount: Int, tensor: Int, value: Int, mapEntry: Int)]
    private let length: Int

    init(_ outputs: [(name: String, valueCount: Int)]) {
        entries = outputs.map { output in
            let tensor = ProtobufWriter.lengthDelimitedSize(4 * output.valueCount)
            let value = ProtobufWriter.lengthDelimitedSize(tensor)
            let mapEntry = ProtobufWriter.lengthDelimitedSize(output.name.utf8.count) + ProtobufWriter.lengthDelimitedSize(value)
            return (output.name, output.valueCount, tensor, value, mapEntry)
        }
        length = entries.reduce(0) { $0 + ProtobufWriter.lengthDelimitedSize($1.mapEntry) }
    }

    func appendHeader(to output: inout [UInt8]) {
        RecordIOFraming.appendHeader(length: length, to: &output)
    }

    /// Entry `index`'s bytes up to its values, which the caller appends next (4 bytes each, little-endian).
    func appendOpening(ofEntry index: Int, to output: inout [UInt8]) {
        let entry = entries[index]
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.recordLabel, length: entry.mapEntry, to: &output)
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.mapKey, length: entry.name.utf8.count, to: &output)
        output.append(contentsOf: entry.name.utf8)
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.mapValue, length: entry.value, to: &output)
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.float32Tensor, length: entry.tensor, to: &output)
        ProtobufWriter.appendLengthDelimitedHeader(RecordIOSchema.tensorValues, length: 4 * entry.valueCount, to: &output)
    }

    func appendPadding(to output: inout [UInt8]) {
        RecordIOFraming.appendPadding(length: length, to: &output)
    }
}
