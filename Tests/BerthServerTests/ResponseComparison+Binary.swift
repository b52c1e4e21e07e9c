import BerthProtobuf
import BerthTestSupport
import Testing
@testable import BerthCodecs

/// Binary response bodies compared like text ones: NPY by header bytes and values, RecordIO by the label map of
/// every record, by name.
extension ResponseComparison {
    /// RecordIO answers are float32 tensors whatever the model computes in, so they are held to float32's
    /// precision at best.
    static func expectSame(_ got: [UInt8], _ want: [UInt8], accept: String, _ label: String, tolerance: Double = tolerance) throws {
        switch accept {
        case "application/x-npy": try expectSameNPY(got, want, label, tolerance: tolerance)
        case "application/x-recordio-protobuf": try expectSameRecordIO(got, want, label, tolerance: max(tolerance, 1e-7))
        default: expectSameText(String(decoding: got, as: UTF8.self), String(decoding: want, as: UTF8.self), label, tolerance: tolerance)
        }
    }

    static func expectSameNPY(_ got: [UInt8], _ want: [UInt8], _ label: String, tolerance: Double = tolerance) throws {
        let (gotHeader, gotValues) = try npy(got)
        let (wantHeader, wantValues) = try npy(want)
        #expect(gotHeader == wantHeader, "\(label): header '\(String(decoding: gotHeader, as: UTF8.self))' vs '\(String(decoding: wantHeader, as: UTF8.self))'")
        expectClose(gotValues, wantValues, label, tolerance: tolerance)
    }

    /// The header bytes and the values of a `<f4` array (XGBoost's and ONNX's answers) or a `<f8` one (LightGBM's).
    private static func npy(_ bytes: [UInt8]) throws -> ([UInt8], [Double]) {
        let header = try bytes.withUnsafeBufferPointer { try NPYHeader($0) }
        #expect(header.descr == "<f4" || header.descr == "<f8")
        let size = header.descr == "<f8" ? 8 : 4
        let values = stride(from: header.dataOffset, to: bytes.count, by: size).map { offset in
            bytes.withUnsafeBufferPointer { buffer in
                let low = LittleEndian.uint32(buffer, at: offset)
                guard size == 8 else { return Double(Float(bitPattern: low)) }
                return Double(bitPattern: UInt64(low) | UInt64(LittleEndian.uint32(buffer, at: offset + 4)) << 32)
            }
        }
        return (Array(bytes[..<header.dataOffset]), values)
    }

    static func expectSameRecordIO(_ got: [UInt8], _ want: [UInt8], _ label: String, tolerance: Double = tolerance) throws {
        let gotRecords = try labelMaps(got)
        let wantRecords = try labelMaps(want)
        #expect(gotRecords.count == wantRecords.count, "\(label): \(gotRecords.count) records, expected \(wantRecords.count)")
        // A protobuf map has no order (Python's protobuf writes it in hash order): compare entries by name.
        for (index, (unsortedRecord, unsortedExpected)) in zip(gotRecords, wantRecords).enumerated() {
            let record = unsortedRecord.sorted { $0.name < $1.name }
            let expected = unsortedExpected.sorted { $0.name < $1.name }
            #expect(record.map(\.name) == expected.map(\.name), "\(label): record \(index + 1) keys")
            for (entry, wanted) in zip(record, expected) {
                expectClose(entry.values, wanted.values, "\(label): record \(index + 1) \(entry.name)", tolerance: tolerance)
            }
        }
    }

    /// Each record's `label` map: names and float32 tensor values, in file order.
    private static func labelMaps(_ bytes: [UInt8]) throws -> [[(name: String, values: [Double])]] {
        try bytes.withUnsafeBufferPointer { buffer in
            try RecordIOFraming.records(in: buffer).map { range in
                var entries = [(name: String, values: [Double])]()
                var record = ProtobufReader(buffer, range)
                while let field = try record.nextField() {
                    guard field.number == 2 else { try record.skip(field.wireType); continue }
                    var entry = ProtobufReader(buffer, try record.lengthDelimited())
                    var name = ""
                    var values = [Double]()
                    while let entryField = try entry.nextField() {
                        if entryField.number == 1 {
                            name = String(decoding: buffer[try entry.lengthDelimited()], as: UTF8.self)
                            continue
                        }
                        var value = ProtobufReader(buffer, try entry.lengthDelimited())
                        _ = try value.nextField()
                        var tensor = ProtobufReader(buffer, try value.lengthDelimited())
                        _ = try tensor.nextField()
                        var packed = ProtobufReader(buffer, try tensor.lengthDelimited())
                        while !packed.isAtEnd { values.append(Double(Float(bitPattern: try packed.fixed32()))) }
                    }
                    entries.append((name, values))
                }
                return entries
            }
        }
    }
}
