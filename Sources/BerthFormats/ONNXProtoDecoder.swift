import BerthCore
import BerthProtobuf
import BerthText

/// Decodes a `ModelProto`. Every size is checked against the bytes that are really there before anything is
/// allocated, so a small hostile file cannot make Berth reserve gigabytes.
struct ONNXProtoDecoder {
    typealias Malformed = ProtobufReader.Malformed

    let bytes: UnsafeBufferPointer<UInt8>
    /// The bytes of an external-data file named relative to the model, or nil when it is absent or not allowed.
    let externalData: (String) -> [UInt8]?

    /// The most elements one tensor may hold (4 GiB of float32): a guard against hostile dimensions.
    static let maxElements = 1 << 30
    /// How deep subgraphs are read: the bodies of the model graph's own nodes (a k-NN export's Scan), not a body's
    /// bodies, so a hostile file's subgraphs nested a million deep cost no recursion.
    static let subgraphDepth = 1

    func model() throws(Malformed) -> ONNXModelProto {
        var model = ONNXModelProto()
        var reader = ProtobufReader(bytes, 0..<bytes.count)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .varint): model.irVersion = Int(truncatingIfNeeded: try reader.varint())
            case (2, .lengthDelimited): model.producer = string(try reader.lengthDelimited())
            case (3, .lengthDelimited): model.producerVersion = string(try reader.lengthDelimited())
            case (7, .lengthDelimited): model.graph = try graph(try reader.lengthDelimited(), depth: 0)
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

    private func graph(_ range: Range<Int>, depth: Int) throws(Malformed) -> ONNXGraphProto {
        var graph = ONNXGraphProto()
        var reader = ProtobufReader(bytes, range)
        while let field = try reader.nextField() {
            switch (field.number, field.wireType) {
            case (1, .lengthDelimited): graph.nodes.append(try node(try reader.lengthDelimited(), depth: depth))
            case (5, .lengthDelimited): graph.initializers.append(try tensor(try reader.lengthDelimited()))
            case (11, .lengthDelimited): graph.inputs.append(try valueInfo(try reader.lengthDelimited()))
            case (12, .lengthDelimited): graph.outputs.append(try valueInfo(try reader.lengthDelimited()))
            case (15, .lengthDelimited): throw Malformed(reason: "the graph has sparse initializers, which Berth does not read")
            default: try reader.skip(field.wireType)
            }
        }
        return graph
    }

    private func node(_ range: Range<Int>, depth: Int) throws(Malformed) -> ONNXNodeProto {
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
                let (name, attribute) = try self.attribute(try reader.lengthDelimited(), depth: depth)
                node.attributes[name] = attribute
            default: try reader.skip(field.wireType)
            }
        }
        return node
    }

    private func attribute(_ range: Range<Int>, depth: Int) throws(Malformed) -> (String, ONNXAttribute) {
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
            // A subgraph (If, Loop, Scan): a body deeper than `subgraphDepth` is stepped over, and a node that needs it is
            // refused as one whose body Berth does not recognise, not as a malformed file.
            case (6, .lengthDelimited):
                let body = try reader.lengthDelimited()
                if depth < Self.subgraphDepth { attribute.graph = try graph(body, depth: depth + 1) }
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

    func readFloats(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, into values: inout [Float]) throws(Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { values.append(Float(bitPattern: try packed.fixed32())) }
        } else {
            values.append(Float(bitPattern: try reader.fixed32()))
        }
    }

    func readDoubles(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, into values: inout [Float]) throws(Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { values.append(Float(Double(bitPattern: try packed.fixed64()))) }
        } else {
            values.append(Float(Double(bitPattern: try reader.fixed64())))
        }
    }

    func readInts(_ reader: inout ProtobufReader, _ wireType: ProtobufWireType, into values: inout [Int]) throws(Malformed) {
        if wireType == .lengthDelimited {
            var packed = ProtobufReader(bytes, try reader.lengthDelimited())
            while !packed.isAtEnd { values.append(Int(truncatingIfNeeded: try packed.varint())) }
        } else {
            values.append(Int(truncatingIfNeeded: try reader.varint()))
        }
    }

    func string(_ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)
    }
}
