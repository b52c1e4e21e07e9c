@testable import BerthCodecs
import BerthProtobuf
import Testing

/// Compares a response body with the expected file produced by xgboost (and formatted by the fixture generator
/// as the official container formats it).
///
/// Text bodies must be identical once every number is replaced by a marker saying whether it was written as an
/// integer or a float — so quoting, brackets, key order, spacing and line ends must match exactly — and the numbers
/// themselves must agree within 1e-5 relative (float32 sums in another order differ in the last ulps). Binary
/// bodies are parsed (NPY: identical header bytes; RecordIO: the label map of every record, by name) and compared the same way.
enum ResponseComparison {
    static let tolerance = 1e-5

    static func close(_ got: Double, _ want: Double) -> Bool {
        got.isNaN && want.isNaN || abs(got - want) <= tolerance * max(1, abs(want))
    }

    static func expectSame(_ got: [UInt8], _ want: [UInt8], accept: String, _ label: String) throws {
        switch accept {
        case "application/x-npy": try expectSameNPY(got, want, label)
        case "application/x-recordio-protobuf": try expectSameRecordIO(got, want, label)
        default: expectSameText(String(decoding: got, as: UTF8.self), String(decoding: want, as: UTF8.self), label)
        }
    }

    static func expectSameText(_ got: String, _ want: String, _ label: String) {
        let (gotSkeleton, gotNumbers) = skeleton(got)
        let (wantSkeleton, wantNumbers) = skeleton(want)
        #expect(gotSkeleton == wantSkeleton, "\(label): layout differs\n got: \(got.prefix(300))\nwant: \(want.prefix(300))")
        expectClose(gotNumbers, wantNumbers, label)
    }

    static func expectClose(_ got: [Double], _ want: [Double], _ label: String) {
        #expect(got.count == want.count, "\(label): \(got.count) numbers, expected \(want.count)")
        for (index, (value, expected)) in zip(got, want).enumerated() where !close(value, expected) {
            Issue.record("\(label): number \(index + 1) is \(value), expected \(expected)")
            return
        }
    }

    /// The text with each number replaced by `i` (written as an integer) or `f` (with a point or exponent), and
    /// the numbers in order.
    static func skeleton(_ text: String) -> (String, [Double]) {
        let bytes = Array(text.utf8)
        var layout = [UInt8]()
        var numbers = [Double]()
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            let startsNumber = isDigit(byte) || (byte == UInt8(ascii: "-") && index + 1 < bytes.count && isDigit(bytes[index + 1]))
            guard startsNumber, index == 0 || !isLetter(bytes[index - 1]) else {
                layout.append(byte)
                index += 1
                continue
            }
            var end = index + 1
            while end < bytes.count && (isDigit(bytes[end]) || ".eE+-".utf8.contains(bytes[end])) { end += 1 }
            let token = String(decoding: bytes[index..<end], as: UTF8.self)
            numbers.append(Double(token) ?? .nan)
            layout.append(token.contains(where: { ".eE".contains($0) }) ? UInt8(ascii: "f") : UInt8(ascii: "i"))
            index = end
        }
        return (String(decoding: layout, as: UTF8.self), numbers)
    }

    private static func isDigit(_ byte: UInt8) -> Bool { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) }
    private static func isLetter(_ byte: UInt8) -> Bool { byte == UInt8(ascii: "_") || (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z")) }

    static func expectSameNPY(_ got: [UInt8], _ want: [UInt8], _ label: String) throws {
        let (gotHeader, gotValues) = try npy(got)
        let (wantHeader, wantValues) = try npy(want)
        #expect(gotHeader == wantHeader, "\(label): header '\(String(decoding: gotHeader, as: UTF8.self))' vs '\(String(decoding: wantHeader, as: UTF8.self))'")
        expectClose(gotValues, wantValues, label)
    }

    /// The header bytes and the float32 values of a `<f4` array.
    private static func npy(_ bytes: [UInt8]) throws -> ([UInt8], [Double]) {
        let header = try bytes.withUnsafeBufferPointer { try NPYHeader($0) }
        #expect(header.descr == "<f4")
        let values = stride(from: header.dataOffset, to: bytes.count, by: 4).map { offset in
            Double(Float(bitPattern: bytes.withUnsafeBufferPointer { LittleEndian.uint32($0, at: offset) }))
        }
        return (Array(bytes[..<header.dataOffset]), values)
    }

    static func expectSameRecordIO(_ got: [UInt8], _ want: [UInt8], _ label: String) throws {
        let gotRecords = try labelMaps(got)
        let wantRecords = try labelMaps(want)
        #expect(gotRecords.count == wantRecords.count, "\(label): \(gotRecords.count) records, expected \(wantRecords.count)")
        // A protobuf map has no order (Python's protobuf writes it in hash order): compare entries by name.
        for (index, (unsortedRecord, unsortedExpected)) in zip(gotRecords, wantRecords).enumerated() {
            let record = unsortedRecord.sorted { $0.name < $1.name }
            let expected = unsortedExpected.sorted { $0.name < $1.name }
            #expect(record.map(\.name) == expected.map(\.name), "\(label): record \(index + 1) keys")
            for (entry, wanted) in zip(record, expected) {
                expectClose(entry.values, wanted.values, "\(label): record \(index + 1) \(entry.name)")
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
