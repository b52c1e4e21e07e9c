#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Softmax and LogSoftmax along an axis. From opset 13 the axis alone is normalised (default -1); before, the
/// input is flattened to 2-D at the axis (default 1) and everything from the axis on is normalised together.
struct SoftmaxKernel: GraphKernel {
    let axis: Int
    let legacy: Bool
    let logarithm: Bool

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let resolved = try Shapes.axis(axis, rank: inputs[0].count)
        guard !inputs[0][resolved...].contains(batch) else {
            throw ModelValidationError("softmax over the batch dimension is not supported")
        }
        return [inputs[0]]
    }

    /// Each value's exponential (which Softmax takes twice, the C library's `expf` at the cheap end of the range):
    /// one transcendental function's worth.
    var workPerOutputValue: Int { transcendentalValueWork }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (outer, length, inner) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: legacy)
        let input = inputs[0].buffer, output = outputs[0].buffer
        for block in 0..<outer {
            for offset in 0..<inner {
                let start = block * length * inner + offset
                var largest = -Float.infinity
                for step in 0..<length { largest = max(largest, input[start + step * inner]) }
                var total: Float = 0
                for step in 0..<length { total += expf(input[start + step * inner] - largest) }
                for step in 0..<length {
                    let shifted = input[start + step * inner] - largest
                    output[start + step * inner] = logarithm ? shifted - logf(total) : expf(shifted) / total
                }
            }
        }
    }
}

/// ArgMax and ArgMin: the index of the first (or last) largest (or smallest) value along an axis, as a float. A NaN
/// never wins against a number, and one in first place is never beaten, as in onnxruntime.
struct ArgMaxKernel: GraphKernel {
    let axis: Int
    let keepDims: Bool
    let selectLastIndex: Bool
    /// ArgMin.
    let smallest: Bool

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let resolved = try Shapes.axis(axis, rank: inputs[0].count)
        guard inputs[0][resolved] != batch else { throw ModelValidationError("\(smallest ? "ArgMin" : "ArgMax") over the batch dimension is not supported") }
        var shape = inputs[0]
        if keepDims { shape[resolved] = 1 } else { shape.remove(at: resolved) }
        return [shape]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (outer, length, inner) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: false)
        let input = inputs[0].buffer, output = outputs[0].buffer
        for block in 0..<outer {
            for offset in 0..<inner {
                let start = block * length * inner + offset
                var best = 0
                for step in 1..<max(length, 1) {
                    let value = input[start + step * inner]
                    let current = input[start + best * inner]
                    if (smallest ? value < current : value > current) || (selectLastIndex && value == current) { best = step }
                }
                output[block * inner + offset] = Float(best)
            }
        }
    }
}
