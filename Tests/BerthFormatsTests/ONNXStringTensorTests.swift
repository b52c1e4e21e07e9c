import BerthProtobuf
import Testing
@testable import BerthFormats

/// STRING tensors (ONNX element type 8, `string_data` field 6): class names, read as text; a count that does not
/// match the dimensions, strings in a numeric tensor, or strings kept in `raw_data` are refused naming the tensor.
@Suite struct ONNXStringTensorTests {
    /// A `TensorProto` with these fields, as ONNX writes them.
    static func tensor(name: String = "classes", dims: [Int], dataType: Int, strings: [String], raw: [UInt8]? = nil) -> [UInt8] {
        var bytes = [UInt8]()
        for dimension in dims {
            ProtobufWriter.appendKey(1, .varint, to: &bytes)
            ProtobufWriter.appendVarint(UInt64(dimension), to: &bytes)
        }
        ProtobufWriter.appendKey(2, .varint, to: &bytes)
        ProtobufWriter.appendVarint(UInt64(dataType), to: &bytes)
        for text in strings {
            ProtobufWriter.appendLengthDelimitedHeader(6, length: text.utf8.count, to: &bytes)
            bytes += Array(text.utf8)
        }
        ProtobufWriter.appendLengthDelimitedHeader(8, length: name.utf8.count, to: &bytes)
        bytes += Array(name.utf8)
        if let raw {
            ProtobufWriter.appendLengthDelimitedHeader(9, length: raw.count, to: &bytes)
            bytes += raw
        }
        return bytes
    }

    static func decode(_ bytes: [UInt8]) throws(ProtobufReader.Malformed) -> ONNXTensorProto {
        try bytes.withUnsafeBufferPointer { buffer throws(ProtobufReader.Malformed) in
            try ONNXProtoDecoder(bytes: buffer, externalData: { _ in nil }).tensor(0..<buffer.count)
        }
    }

    @Test func aStringTensorIsReadAsText() throws {
        let tensor = try Self.decode(Self.tensor(dims: [3], dataType: 8, strings: ["ant", "bee", "naïve"]))
        #expect(tensor.strings == ["ant", "bee", "naïve"] && tensor.values.isEmpty && tensor.name == "classes")
    }

    @Test(arguments: [
        (tensor(dims: [3], dataType: 8, strings: ["ant", "bee"]), "declares 3 elements but holds 2 strings"),
        (tensor(dims: [1], dataType: 1, strings: ["ant"]), "holds strings but declares element type 1"),
        (tensor(dims: [1], dataType: 8, strings: [], raw: [1, 2, 3, 4]), "keeps its elements outside string_data"),
    ])
    func aMalformedStringTensorIsRefusedNamingIt(_ bytes: [UInt8], _ reason: String) {
        let error = #expect(throws: ProtobufReader.Malformed.self) { try Self.decode(bytes) }
        #expect(error?.reason.contains("'classes'") == true && error?.reason.contains(reason) == true, "\(error?.reason ?? "")")
    }
}
