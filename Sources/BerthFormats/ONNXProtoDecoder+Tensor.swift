import BerthCore
import BerthProtobuf
import BerthText

/// Tensors: their values as float32 from `raw_data` (every element type ONNX exports weights in), the typed
/// repeated fields, or an external data file, each size checked before anything is allocated; a STRING tensor's
/// elements as text.
extension ONNXProtoDecoder {
    /// A tensor with its values as float32, from `raw_data`, the typed repeated fields, or an external file.
    func tensor(_ range: Range<Int>) throws(Malformed) -> ONNXTensorProto {
        var tensor = ONNXTensorProto()
        var raw: Range<Int>?
        var typed = [Float]()
        var external = [String: String]()
        var isExternal = false
        var texts = [String]()
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, _): try readInts(&reader, field.wireType, into: &tensor.dims)
            case (2, .varint): tensor.dataType = Int(truncatingIfNeeded: try reader.varint())
            case (4, _): try readFloats(&reader, field.wireType, into: &typed)
            case (5, _), (7, _), (11, _):
                var integers = [Int]()
                try readInts(&reader, field.wireType, into: &integers)
                // float16 values travel as their bit patterns in int32_data.
                typed.append(contentsOf: integers.map { tensor.dataType == 10 ? Self.halfToFloat(UInt16(truncatingIfNeeded: $0)) : Float($0) })
            case (6, .lengthDelimited): texts.append(string(try reader.lengthDelimited()))
            case (8, .lengthDelimited): tensor.name = string(try reader.lengthDelimited())
            case (9, .lengthDelimited): raw = try reader.lengthDelimited()
            case (10, _): try readDoubles(&reader, field.wireType, into: &typed)
            case (13, .lengthDelimited):
                var entry = ProtobufReader(bytes, try reader.lengthDelimited())
                var key = "", value = ""
                while let entryField = try entry.nextField() {
                    switch (entryField.number, entryField.wireType) {
                    case (1, .lengthDelimited): key = string(try entry.lengthDelimited())
                    case (2, .lengthDelimited): value = string(try entry.lengthDelimited())
                    default: try entry.skip(entryField.wireType)
                    }
                }
                external[key] = value
            case (14, .varint): isExternal = try reader.varint() == 1
            default: try reader.skip(field.wireType)
            }
        }
        var count = 1
        for dimension in tensor.dims {
            let (product, overflow) = count.multipliedReportingOverflow(by: dimension)
            guard dimension >= 0, !overflow, product <= Self.maxElements else {
                throw Malformed(reason: "tensor \(quoted: tensor.name) declares dimensions \(excerpt: "\(tensor.dims)")")
            }
            count = product
        }
        // Strings (class names for a label output) are kept as text; no operator Berth runs takes them.
        guard tensor.dataType == ONNXTensorProto.stringType || texts.isEmpty else {
            throw Malformed(reason: "tensor \(quoted: tensor.name) holds strings but declares element type \(tensor.dataType)")
        }
        if tensor.dataType == ONNXTensorProto.stringType {
            guard raw == nil, !isExternal else {
                throw Malformed(reason: "string tensor \(quoted: tensor.name) keeps its elements outside string_data, where ONNX puts them")
            }
            guard texts.count == count else {
                throw Malformed(reason: "string tensor \(quoted: tensor.name) declares \(count) elements but holds \(texts.count) strings")
            }
            tensor.strings = texts
        } else if isExternal {
            tensor.values = try externalValues(of: tensor, entries: external, count: count)
        } else if let raw {
            tensor.values = try decodeRaw(UnsafeBufferPointer(rebasing: bytes[raw]), dataType: tensor.dataType, count: count, name: tensor.name)
        } else {
            guard typed.count == count else {
                throw Malformed(reason: "tensor \(quoted: tensor.name) declares \(count) elements but holds \(typed.count)")
            }
            tensor.values = typed
        }
        return tensor
    }

    func externalValues(of tensor: ONNXTensorProto, entries: [String: String], count: Int) throws(Malformed) -> [Float] {
        guard let location = entries["location"], !location.isEmpty, !location.hasPrefix("/"), !location.contains("\\"),
              !location.split(separator: "/").contains("..") else {
            throw Malformed(reason: "tensor \(quoted: tensor.name) names external data \(quoted: entries["location"] ?? "") outside the model's folder")
        }
        guard let file = externalData(location) else {
            throw Malformed(reason: "tensor \(quoted: tensor.name) keeps its data in \(quoted: location), which is not beside the model in the artifact")
        }
        let offset = Int(entries["offset"] ?? "0") ?? -1
        let size = try Self.elementSize(tensor.dataType, name: tensor.name)
        let length = entries["length"].map { Int($0) ?? -1 } ?? (file.count - max(offset, 0))
        guard offset >= 0, length >= 0, offset <= file.count, length <= file.count - offset else {
            throw Malformed(reason: "tensor \(quoted: tensor.name) reads \(length) bytes at offset \(offset) of \(quoted: location), which has \(file.count)")
        }
        guard length == count * size else {
            throw Malformed(reason: "tensor \(quoted: tensor.name) needs \(count * size) bytes but its external data has \(length)")
        }
        return try file.withUnsafeBufferPointer { buffer throws(Malformed) in
            try decodeRaw(UnsafeBufferPointer(rebasing: buffer[offset..<offset + length]), dataType: tensor.dataType, count: count, name: tensor.name)
        }
    }

    static func elementSize(_ dataType: Int, name: String) throws(Malformed) -> Int {
        switch dataType {
        case 1, 6, 12: return 4          // float, int32, uint32
        case 2, 3, 9: return 1           // uint8, int8, bool
        case 4, 5, 10: return 2          // uint16, int16, float16
        case 7, 11, 13: return 8         // int64, double, uint64
        default: throw Malformed(reason: "tensor \(quoted: name) has data type \(dataType), which Berth does not read")
        }
    }

    /// Little-endian elements of `dataType`, as float32.
    func decodeRaw(_ raw: UnsafeBufferPointer<UInt8>, dataType: Int, count: Int, name: String) throws(Malformed) -> [Float] {
        let size = try Self.elementSize(dataType, name: name)
        guard raw.count == count * size else {
            throw Malformed(reason: "tensor \(quoted: name) declares \(count) elements (\(count * size) bytes) but holds \(raw.count) bytes")
        }
        var values = [Float](repeating: 0, count: count)
        for index in 0..<count {
            var bits: UInt64 = 0
            for byte in 0..<size { bits |= UInt64(raw[index * size + byte]) << (8 * byte) }
            switch dataType {
            case 1: values[index] = Float(bitPattern: UInt32(truncatingIfNeeded: bits))
            case 11: values[index] = Float(Double(bitPattern: bits))
            case 10: values[index] = Self.halfToFloat(UInt16(truncatingIfNeeded: bits))
            case 3: values[index] = Float(Int8(truncatingIfNeeded: bits))
            case 5: values[index] = Float(Int16(truncatingIfNeeded: bits))
            case 6: values[index] = Float(Int32(truncatingIfNeeded: bits))
            case 7: values[index] = Float(Int64(bitPattern: bits))
            default: values[index] = Float(bits)
            }
        }
        return values
    }

    /// IEEE 754 half precision to float32 (portable: Swift's Float16 is not on every platform).
    static func halfToFloat(_ half: UInt16) -> Float {
        let sign = UInt32(half >> 15) << 31
        let exponent = Int(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        switch exponent {
        case 0: return Float(bitPattern: sign) + (sign != 0 ? -1 : 1) * Float(mantissa) * 0x1p-24
        case 31: return Float(bitPattern: sign | 0x7F80_0000 | mantissa << 13)
        default: return Float(bitPattern: sign | UInt32(exponent + 112) << 23 | mantissa << 13)
        }
    }
}
