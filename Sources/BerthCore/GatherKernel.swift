/// Gather by constant indices: the entries along `axis` at those indices (negative ones counted from the end), numpy's
/// `take` — skl2onnx's ColumnTransformer picks its columns so. The output replaces the axis with the indices' shape.
/// Along the batch axis of a computed tensor it would mix a request's rows, and is refused.
struct GatherKernel: GraphKernel {
    let axis: Int
    let indices: [Int]
    let indicesShape: [Int]
    var constantInputs: Set<Int> { [1] }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        let resolved = try Shapes.axis(axis, rank: shape.count)
        guard shape[resolved] != batch else { throw ModelValidationError("a Gather along the batch axis mixes the rows of a request") }
        let length = shape[resolved]
        guard indices.allSatisfy({ $0 >= -length && $0 < length }) else {
            throw ModelValidationError("Gather's indices \(indices.prefix(8)) are not all within an axis of \(length)")
        }
        return [Array(shape[..<resolved]) + indicesShape + Array(shape[(resolved + 1)...])]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let shape = inputs[0].shape
        let (outer, length, inner) = Shapes.aroundAxis(shape, axis: axis, flattenFromAxis: false)
        let input = inputs[0].buffer, output = outputs[0].buffer
        var target = 0
        for block in 0..<outer {
            for index in indices {
                let source = (block * length + (index < 0 ? index + length : index)) * inner
                for offset in 0..<inner { output[target + offset] = input[source + offset] }
                target += inner
            }
        }
    }
}
