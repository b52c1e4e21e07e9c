/// The parts of an ONNX `ModelProto` Berth reads (field numbers in docs/model-formats.md §3.1), decoded from the file's
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
    /// A subgraph (a Scan's body), read only where the node is in the model's own graph (`ONNXProtoDecoder`).
    var graph: ONNXGraphProto?
    var floats = [Float]()
    var ints = [Int]()
    var strings = [String]()
}

struct ONNXTensorProto {
    var name = ""
    var dims = [Int]()
    var dataType = 0
    var values = [Float]()
    /// A STRING tensor's elements (a classifier's class names); nil for a tensor of numbers.
    var strings: [String]?

    /// ONNX's element type STRING.
    static let stringType = 8
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
