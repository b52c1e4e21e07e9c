/// A dense computation graph in the model IR: what an ONNX model becomes.
///
/// One input (`rows × featureCount` float32, NaN = missing), nodes in topological order, constant tensors, and
/// one tensor that holds the predictions (`[rows]` or `[rows, outputs]`). Tensor shapes are known at load except
/// the first dimension of everything computed from the input, which is the batch. Format readers fill it (and
/// decide which tensor is the answer); backends plan it once and run it per batch.
public struct OperatorGraph: Sendable, Equatable {
    public var featureCount: Int
    public var input: String
    public var nodes: [OperatorNode]
    public var constants: [String: ConstantTensor]
    /// The tensor whose values are the predictions.
    public var output: String

    public init(featureCount: Int, input: String, nodes: [OperatorNode], constants: [String: ConstantTensor], output: String) {
        self.featureCount = featureCount
        self.input = input
        self.nodes = nodes
        self.constants = constants
        self.output = output
    }
}

/// One operation of an `OperatorGraph`, reading and writing named tensors.
public struct OperatorNode: Sendable, Equatable {
    /// The node's name in the model file, for error messages.
    public var name: String
    public var operation: GraphOperation
    public var inputs: [String]
    public var outputs: [String]

    public init(name: String, operation: GraphOperation, inputs: [String], outputs: [String]) {
        self.name = name
        self.operation = operation
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A tensor whose values are known at load: weights, biases, shapes. Integers are stored as floats (exact up to
/// 2^24, far beyond any shape or index a model holds).
public struct ConstantTensor: Sendable, Equatable {
    public var shape: [Int]
    public var values: [Float]

    public init(shape: [Int], values: [Float]) {
        self.shape = shape
        self.values = values
    }

    /// The values as integers (a shape, axes, indices, split sizes), or nil when one is not a whole number within
    /// ±2^31: a file's NaN or 1e30 in a shape is refused rather than trapping in `Int(_:)`.
    public var wholeNumbers: [Int]? {
        values.allSatisfy(Self.isWholeNumber) ? values.map { Int($0) } : nil
    }

    /// Whether `value` is a whole number a dimension or an index can be.
    public static func isWholeNumber(_ value: Float) -> Bool {
        value.rounded() == value && abs(value) <= Float(1 << 31)
    }
}
