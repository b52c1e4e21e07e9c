/// A tensor of `[N] + trailing`, every value `value`, N the batch of its input: an ONNX ConstantOfShape of a shape
/// built from a tensor's batch size (`Shape`, `Gather` of index 0, `Concat` with constant dimensions), as skl2onnx
/// writes a GaussianProcessRegressor's kernel and `torch.onnx.export` a `torch.full((x.size(0), …))`.
struct FillRowsKernel: GraphKernel {
    let trailing: [Int]
    let value: Float

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard let rows = inputs[0].first, trailing.allSatisfy({ $0 >= 0 }) else {
            throw ModelValidationError("a ConstantOfShape of the batch size and \(trailing) has a negative dimension or no batch to take")
        }
        return [[rows] + trailing]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        outputs[0].buffer.update(repeating: value)
    }
}
