#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// ReduceSum, ReduceMean, ReduceMax, ReduceMin, ReduceProd, ReduceLogSumExp, ReduceSumSquare, ReduceL1, ReduceL2 and
/// ReduceLogSum: the values along `axes` combined into one, the reduced axes kept as 1 (`keepDims`) or dropped. No
/// axes reduces every axis, or — with `noopWithEmptyAxes` — none. The log-sum-exp subtracts the largest value first, as onnxruntime does.
struct ReduceKernel: GraphKernel {
    let reduction: Reduction
    /// The axes as the node gives them (negative from the end); empty for none given.
    let axes: [Int]
    let keepDims: Bool
    let noopWithEmptyAxes: Bool

    /// Which axes of a tensor of `rank` are reduced.
    private func reduced(rank: Int) throws(ModelValidationError) -> [Bool] {
        var reduced = [Bool](repeating: axes.isEmpty && !noopWithEmptyAxes, count: rank)
        for axis in axes { reduced[try Shapes.axis(axis, rank: rank)] = true }
        return reduced
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let shape = inputs[0]
        let reduced = try reduced(rank: shape.count)
        if reduced.first == true && shape.first == batch {
            throw ModelValidationError("a reduction over the batch axis mixes the rows of a request")
        }
        var output = [Int]()
        for (dimension, isReduced) in zip(shape, reduced) {
            if !isReduced { output.append(dimension) } else if keepDims { output.append(1) }
        }
        return [output]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        guard let allReduced = try? reduced(rank: inputs[0].shape.count) else { return }
        // Axes of length 1 change no index: left out, a file's thousand of them cost nothing a value.
        let kept = inputs[0].shape.indices.filter { inputs[0].shape[$0] != 1 }
        let shape = kept.map { inputs[0].shape[$0] }, reduced = kept.map { allReduced[$0] }
        let input = inputs[0].buffer, output = outputs[0].buffer
        // Each input value's output index: its coordinates with the reduced ones set to 0, in the kept shape.
        let inputStrides = Shapes.strides(shape)
        var keptStrides = [Int](repeating: 0, count: shape.count)
        var step = 1
        for axis in shape.indices.reversed() where !reduced[axis] {
            keptStrides[axis] = step
            step *= shape[axis]
        }
        func outputIndex(_ index: Int) -> Int { Shapes.index(index, strides: inputStrides, mappedTo: keptStrides) }
        let count = input.count / max(output.count, 1)
        switch reduction {
        case .sum, .mean, .logSumExp, .sumOfSquares, .l1, .l2, .logSum:
            // The largest value of each output, for the log-sum-exp only (empty otherwise: no allocation).
            var largest = [Float](repeating: -.infinity, count: reduction == .logSumExp ? output.count : 0)
            if reduction == .logSumExp {
                for index in input.indices {
                    let target = outputIndex(index)
                    largest[target] = max(largest[target], input[index])
                }
            }
            output.update(repeating: 0)
            for index in input.indices {
                let target = outputIndex(index)
                let value = input[index]
                switch reduction {
                case .logSumExp: output[target] += expf(value - (largest[target].isFinite ? largest[target] : 0))
                case .sumOfSquares, .l2: output[target] += value * value
                case .l1: output[target] += abs(value)
                default: output[target] += value
                }
            }
            for index in output.indices {
                switch reduction {
                case .mean: output[index] /= Float(count)
                case .logSumExp: output[index] = logf(output[index]) + (largest[index].isFinite ? largest[index] : 0)
                case .l2: output[index] = output[index].squareRoot()
                case .logSum: output[index] = logf(output[index])
                default: break
                }
            }
        case .maximum, .minimum, .product:
            output.update(repeating: reduction == .maximum ? -.infinity : reduction == .minimum ? .infinity : 1)
            for index in input.indices {
                let target = outputIndex(index), value = input[index]
                switch reduction {
                case .maximum: output[target] = value.isNaN || output[target].isNaN ? .nan : max(output[target], value)
                case .minimum: output[target] = value.isNaN || output[target].isNaN ? .nan : min(output[target], value)
                default: output[target] *= value
                }
            }
        }
    }
}
