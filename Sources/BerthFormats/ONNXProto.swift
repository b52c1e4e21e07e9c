import BerthCore
import BerthProtobuf

/// The parts of an ONNX `ModelProto` Berth reads (field numbers in MODEL-FORMATS.md §3.1), decoded from the file's
/// bytes by the shared protobuf wire reader. Tensors are decoded to float32 at once; external data is resolved
/// by the caller-supplied `externalData` lookup.
struct ONNXModelProto {
    var irVersion = 0
    var opsets = [String: Int]()
    var producer = ""
    var producerVersion = ""
    var graph = ONNXGraphProto()
}

struct ONNXGraphProto {
    var nodes = [ONNXNodeProto]()
    var initializers = [ONNXTensorProto]()
    var inputs = [ONNXValueInfo]()
    var outputs = [ONNXValueInfo]()
}

struct ONNXNodeProto {
    var name = ""
    var opType = ""
    var domain = ""
    var inputs = [String]()
    var outputs = [String]()
    var attributes = [String: ONNXAttribute]()
}

/// One attribute, whichever of its fields is set.
struct ONNXAttribute {
    var float: Float?
    var int: Int?
    var string: String?
    var tensor: ONNXTensorProto?
    var floats = [Float]()
    var ints = [Int]()
    var strings = [String]()
}

struct ONNXTensorProto {
    var name = ""
    var dims = [Int]()
    var dataType = 0
    var values = [Float]()
}

/// A graph input or output: its element type and shape (a dimension is a number, a name, or unknown).
struct ONNXValueInfo {
    enum Dimension: Equatable { case fixed(Int), symbolic(String), unknown }

    var name = ""
    var elementType = 0
    var dimensions: [Dimension]?
    /// A sequence or map (ZipMap's output) rather than a tensor.
    var isTensor = true
}

/// Decodes a `ModelProto`. Every size is checked against the bytes that are really there before anything is
/// allocated, so a small hostile file cannot make Berth reserve gigabytes.
struct ONNXProtoDecoder {
    typealias Malformed = ProtobufReader.Malformed

    let bytes: UnsafeBufferPointer<UInt8>
    /// The bytes of an external-data file named relative to the model, or nil when it is absent or not allowed.
    let externalData: (String) -> [UInt8]?

    /// The most elements one tensor may hold (4 GiB of float32): a guard against hostile dimensions.
    static let maxElements = 1 << 30

    func model() throws(Malformed) -> ONNXModelProto {
        var model = ONNXModelProto()
        var reader = ProtobufReader(bytes, 0..<bytes.count)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): model.irVersion = Int(truncatingIfNeeded: try reader.varint())
            case (2, .lengthDelimited): model.producer = string(try reader.lengthDelimited())
            case (3, .lengthDelimited): model.producerVersion = string(try reader.lengthDelimited())
            case (7, .lengthDelimited): model.graph = try graph(try reader.lengthDelimited())
            case (8, .lengthDelimited):
                var opset = ProtobufReader(bytes, try reader.lengthDelimited())
                var domain = ""
                var version = 0
                while let entry = try opset.nextField() {
                    switch (entry.number, entry.wireType) {
                    case (1, .lengthDelimited): domain = string(try opset.lengthDelimited())
                    case (2, .varint): version = Int(truncatingIfNeeded: try opset.varint())
                    default: try opset.skip(entry.wireType)
                    }
                }
                model.opsets[domain == "ai.onnx" ? "" : domain] = max(model.opsets[domain == "ai.onnx" ? "" : domain] ?? 0, version)
            default: try reader.skip(field.wireType)
            }
        }
        return model
    }

    private func graph(_ range: Range<Int>) throws(Malformed) -> ONNXGraphProto {
        var graph = ONNXGraphProto()
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): graph.nodes.append(try node(try reader.lengthDelimited()))
            case (5, .lengthDelimited): graph.initializers.append(try tensor(try reader.lengthDelimited()))
            case (11, .lengthDelimited): graph.inputs.append(try valueInfo(try reader.lengthDelimited()))
            case (12, .lengthDelimited): graph.outputs.append(try valueInfo(try reader.lengthDelimited()))
            case (15, .lengthDelimited): throw Malformed(reason: "the graph has sparse initializers, which Berth does not read")
            default: try reader.skip(field.wireType)
            }
        }
        return graph
    }

    private func node(_ range: Range<Int>) throws(Malformed) -> ONNXNodeProto {
        var node = ONNXNodeProto()
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): node.inputs.append(string(try reader.lengthDelimited()))
            case (2, .lengthDelimited): node.outputs.append(string(try reader.lengthDelimited()))
            case (3, .lengthDelimited): node.name = string(try reader.lengthDelimited())
            case (4, .lengthDelimited): node.opType = string(try reader.lengthDelimited())
            case (7, .lengthDelimited): node.domain = string(try reader.lengthDelimited())
            case (5, .lengthDelimited):
                let (name, attribute) = try self.attribute(try reader.lengthDelimited())
                node.attributes[name] = attribute
            default: try reader.skip(field.wireType)
            }
        }
        return node
    }

    private func attribute(_ range: Range<Int>) throws(Malformed) -> (String, ONNXAttribute) {
        var attribute = ONNXAttribute()
        var name = ""
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): name = string(try reader.lengthDelimited())
            case (2, .fixed32): attribute.float = Float(bitPattern: try reader.fixed32())
            case (3, .varint): attribute.int = Int(truncatingIfNeeded: try reader.varint())
            case (4, .lengthDelimited): attribute.string = string(try reader.lengthDelimited())
            case (5, .lengthDelimited): attribute.tensor = try tensor(try reader.lengthDelimited())
            case (6, .lengthDelimited): throw Malformed(reason: "attribute \(quoted: name) holds a subgraph, which Berth does not run")
            case (7, _): try readFloats(&reader, field.wireType, into: &attribute.floats)
            case (8, _): try readInts(&reader, field.wireType, into: &attribute.ints)
            case (9, .lengthDelimited): attribute.strings.append(string(try reader.lengthDelimited()))
            default: try reader.skip(field.wireType)
            }
        }
        return (name, attribute)
    }

    private func valueInfo(_ range: Range<Int>) throws(Malformed) -> ONNXValueInfo {
        var info = ONNXValueInfo()
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): info.name = string(try reader.lengthDelimited())
            case (2, .lengthDelimited):
                var type = ProtobufReader(bytes, try reader.lengthDelimited())
                while let typeField = try type.nextField() {
                    guard typeField.number == 1, typeField.wireType == .lengthDelimited else {
                        if typeField.number == 4 || typeField.number == 5 { info.isTensor = false }
                        try type.skip(typeField.wireType)
                        continue
                    }
                    var tensorType = ProtobufReader(bytes, try type.lengthDelimited())
                    while let tensorField = try tensorType.nextField() {
                        switch (tensorField.number, tensorField.wireType) {
                        case (1, .varint): info.elementType = Int(truncatingIfNeeded: try tensorType.varint())
                        case (2, .lengthDelimited): info.dimensions = try dimensions(try tensorType.lengthDelimited())
                        default: try tensorType.skip(tensorField.wireType)
                        }
                    }
                }
            default: try reader.skip(field.wireType)
            }
        }
        return info
    }

    private func dimensions(_ range: Range<Int>) throws(Malformed) -> [ONNXValueInfo.Dimension] {
        var result = [ONNXValueInfo.Dimension]()
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            guard field.number == 1, field.wireType == .lengthDelimited else { try reader.skip(field.wireType); continue }
            var dimension = ProtobufReader(bytes, try reader.lengthDelimited())
            var value = ONNXValueInfo.Dimension.unknown
            while let dimensionField = try dimension.nextField() {
                switch (dimensionField.number, dimensionField.wireType) {
                case (1, .varint): value = .fixed(Int(truncatingIfNeeded: try dimension.varint()))
                case (2, .lengthDelimited): value = .symbolic(string(try dimension.lengthDelimited()))
                default: try dimension.skip(dimensionField.wireType)
                }
            }
            result.append(value)
        }
        return result
    }

    /// A tensor with its values as float32, from `raw_data`, the typed repeated fields, or an external file.
    func tensor(_ range: Range<Int>) throws(Malformed) -> ONNXTensorProto {
        var tensor = ONNXTensorProto()
        var raw: Range<Int>?
        var typed = [Float]()
        var external = [String: String]()
        var isExternal = false
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
            case (6, .lengthDelimited): throw Malformed(reason: "a tensor holds strings, which Berth does not read")
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
        if isExternal {
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

    private func externalValues(of tensor: ONNXTensorProto, entries: [String: String], count: Int) throws(Malformed) -> [Float] {
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
    private func decodeRaw(_ raw: UnsafeBufferPointer<UInt8>, dataType: Int, count: Int, name: String) throws(Malformed) -> [Float] {
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

    private func readFloats(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, into values: inout [Float]) throws(Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { values.append(Float(bitPattern: try packed.fixed32())) }
        } else {
            values.append(Float(bitPattern: try reader.fixed32()))
        }
    }

    private func readDoubles(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, into values: inout [Float]) throws(Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { values.append(Float(Double(bitPattern: try packed.fixed64()))) }
        } else {
            values.append(Float(Double(bitPattern: try reader.fixed64())))
        }
    }

    private func readInts(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, into values: inout [Int]) throws(Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { values.append(Int(truncatingIfNeeded: try packed.varint())) }
        } else {
            values.append(Int(truncatingIfNeeded: try reader.varint()))
        }
    }

    private func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
