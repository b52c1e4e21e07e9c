/// `ai.onnx.ml` ArrayFeatureExtractor by constant indices: the entries of the input's last axis at those indices, in
/// their order (skl2onnx picks a binary LinearSVC's positive-class score so, and a KBinsDiscretizer's columns). An
/// index outside the axis refuses the model at load.
struct ArrayFeatureExtractorKernel: GraphKernel {
    let indices: [Int]
    var constantInputs: Set<Int> { [1] }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        guard let width = inputs[0].last, width != batch else {
            throw ModelValidationError("ArrayFeatureExtractor needs a tensor whose last axis is known, not \(Shapes.describe(inputs[0]))")
        }
        guard !indices.isEmpty, indices.allSatisfy({ $0 >= 0 && $0 < width }) else {
            throw ModelValidationError("ArrayFeatureExtractor's indices \(indices.prefix(8)) are not all within the last axis of \(width)")
        }
        // A one-dimensional (constant) input gives [1, k], as onnxruntime's does.
        return [inputs[0].count == 1 ? [1, indices.count] : Array(inputs[0].dropLast()) + [indices.count]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let width = inputs[0].shape.last ?? 1
        let input = inputs[0].buffer, output = outputs[0].buffer
        let rows = input.count / max(width, 1)
        for row in 0..<rows {
            for (column, index) in indices.enumerated() { output[row * indices.count + column] = input[row * width + index] }
        }
    }
}
