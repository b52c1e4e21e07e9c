/// What a dense layer does to its products after the multiply-adds: the Add of a constant row and the activation
/// that follow a MatMul or Gemm in most networks (skl2onnx writes MatMul → Add → Relu, PyTorch Gemm → Relu, Tanh,
/// Sigmoid or LeakyRelu), folded into the layer by the graph planner so each product is written once instead of
/// three times, and on the cores the multiplication runs on. The values are those the separate Add and activation
/// kernels would compute, bit for bit.
public struct DenseEpilogue: Sendable, Equatable {
    /// Added to each row after its sum (`columns` values: the Add's constant), or empty.
    public var addend: [Float]
    /// Applied after the addend (Relu, LeakyRelu, Sigmoid or Tanh), or nil.
    public var activation: Activation?

    public init(addend: [Float] = [], activation: Activation? = nil) {
        self.addend = addend
        self.activation = activation
    }

    /// Nothing after the sum.
    public static let none = DenseEpilogue()
}
