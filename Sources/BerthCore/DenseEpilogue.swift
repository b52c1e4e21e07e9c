/// What a dense layer does to its products after the multiply-adds: the Add of a constant row and the Relu that
/// follow a MatMul or Gemm in most networks (skl2onnx writes MatMul → Add → Relu, PyTorch Gemm → Relu), folded
/// into the layer by the graph planner so each product is written once instead of three times, and on the cores
/// the multiplication runs on. The values are those the separate Add and Relu kernels would compute, bit for bit.
public struct DenseEpilogue: Sendable, Equatable {
    /// Added to each row after its sum (`columns` values: the Add's constant), or empty.
    public var addend: [Float]
    /// Relu after the addend: NaN stays NaN and -0 becomes +0, as the Relu kernel does.
    public var relu: Bool

    public init(addend: [Float] = [], relu: Bool = false) {
        self.addend = addend
        self.relu = relu
    }

    /// Nothing after the sum.
    public static let none = DenseEpilogue()
}
