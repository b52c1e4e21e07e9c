/// Gemm, MatMul (against a constant weight matrix) and the linear models' scores in a planned graph: the shapes
/// here, the multiplication in a `DenseLayer` — the CPU's, or a device's.
struct DenseKernel: GraphKernel {
    let inner: Int
    let columns: Int
    let layer: any DenseLayer
    /// The activation folded into the layer, weighed a value (a Tanh MLP of narrow layers is mostly its Tanh).
    let workPerOutputValue: Int

    var residentBytes: Int { layer.residentBytes }
    /// A CPU layer's multiply-adds / 64, as `CPUDenseLayer` weighs its own split.
    var parallelWorkPerRow: Int? { layer.placement == .cpu ? inner * columns / 64 : nil }

    /// `weights` is `[inner, columns]` row-major; `bias` has `columns` values or none. `compiler` (from
    /// `DeviceKernels.dense`) builds the layer, nil for the CPU's.
    init(_ weights: DenseWeights, parallelism: RowParallelism,
         compiler: (@Sendable (DenseWeights) throws(ModelValidationError) -> any DenseLayer)?) throws(ModelValidationError) {
        inner = weights.inner
        columns = weights.columns
        workPerOutputValue = weights.epilogue.activation?.workPerValue ?? 0
        layer = if let compiler {
            try compiler(weights)
        } else {
            CPUBackend(parallelism: parallelism).denseLayer(weights)
        }
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        guard shape.count >= 2, shape.last == inner else {
            throw ModelValidationError("the input \(Shapes.describe(shape)) does not end in the weights' \(inner) rows")
        }
        return [Array(shape.dropLast()) + [columns]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        // Rows counted from the output: a layer of no inputs (inner 0) still writes its bias for every row.
        layer.multiply(rows: outputs[0].count / max(columns, 1), input: inputs[0].data, output: outputs[0].data)
    }
}
