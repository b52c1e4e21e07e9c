/// `out[r, :] = bias + Σ_k x[r, k] · W[k, :]` over a batch of rows: what Gemm, MatMul and the linear models of an
/// ONNX graph compute, on whichever device compiled it (`CPUDenseLayer`, or a GPU's).
public protocol DenseLayer: Sendable {
    /// Where the multiplication runs.
    var placement: Placement { get }
    /// The host bytes the layer keeps (packed weights).
    var residentBytes: Int { get }
    /// Multiplies `rows` rows of `inner` floats at `input` into `rows` rows of `columns` floats at `output`, each
    /// sum finished by the layer's `DenseEpilogue`.
    func multiply(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>)
}

/// A dense layer's constants, as the graph planner hands them to a compiler: `weights` is `[inner, columns]`
/// row-major with Gemm's `alpha` and `transB` already applied, `bias` has `columns` values or none and starts
/// each sum, and `epilogue` is what the layer does to each finished sum (every compiler applies it).
public struct DenseWeights: Sendable {
    public let inner: Int
    public let columns: Int
    public let weights: [Float]
    public let bias: [Float]
    public let epilogue: DenseEpilogue

    public init(inner: Int, columns: Int, weights: [Float], bias: [Float], epilogue: DenseEpilogue = .none) {
        precondition(epilogue.addend.isEmpty || epilogue.addend.count == columns, "an addend holds one value per column")
        self.inner = inner
        self.columns = columns
        self.weights = weights
        self.bias = bias
        self.epilogue = epilogue
    }
}

/// What another backend supplies for the operations of an ONNX graph it can run on its device; the rest of the
/// graph stays on the CPU kernels. Nil members mean the CPU kernel.
public struct DeviceKernels: Sendable {
    /// Compiles the forest of a TreeEnsemble node.
    public var trees: (@Sendable (TreeEnsemble) throws(ModelValidationError) -> any CompiledModel)?
    /// Compiles the multiplication of a Gemm, MatMul, LinearRegressor or LinearClassifier node.
    public var dense: (@Sendable (DenseWeights) throws(ModelValidationError) -> any DenseLayer)?

    public init() {}
}
