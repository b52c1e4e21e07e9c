/// ONNX Slice (`GraphOperation.slice`): along each of `axes`, the entries from `start` toward `end` by `step`, with
/// ONNX's rules — negative starts and ends count from the end, both are clamped to the axis (to one before it for a
/// negative step), and an empty range gives an empty axis. skl2onnx's OneVsRestClassifier picks each binary
/// classifier's positive column so. The batch axis of a computed tensor may only be sliced whole.
struct SliceKernel: GraphKernel {
    let starts: [Int]
    let ends: [Int]
    let axes: [Int]?
    let steps: [Int]
    /// Which inputs the starts, ends, axes and steps came from (none: the opset 9 attributes).
    let constantInputIndices: Set<Int>
    var constantInputs: Set<Int> { constantInputIndices }

    /// Each axis's first index, step and length for an input of `shape`.
    private func ranges(_ shape: [Int]) throws(ModelValidationError) -> [(start: Int, step: Int, count: Int)] {
        var result = shape.map { (start: 0, step: 1, count: $0) }
        guard starts.count == ends.count, steps.count == starts.count, (axes?.count ?? starts.count) == starts.count else {
            throw ModelValidationError("Slice has \(starts.count) starts, \(ends.count) ends, \(axes?.count ?? starts.count) axes and \(steps.count) steps")
        }
        var seen = Set<Int>()
        for (index, given) in (axes ?? Array(starts.indices)).enumerated() {
            let axis = try Shapes.axis(given, rank: shape.count)
            guard seen.insert(axis).inserted else { throw ModelValidationError("Slice names axis \(given) twice") }
            let step = steps[index], length = shape[axis]
            guard step != 0 else { throw ModelValidationError("Slice has a step of 0") }
            if length == batch {
                guard starts[index] == 0, ends[index] >= Int(Int32.max), step == 1 else {
                    throw ModelValidationError("a Slice of the batch axis would drop rows of a request")
                }
                continue
            }
            func resolved(_ bound: Int) -> Int { bound < 0 ? bound + length : bound }
            let start = step > 0 ? min(max(resolved(starts[index]), 0), length) : min(max(resolved(starts[index]), -1), length - 1)
            let end = step > 0 ? min(max(resolved(ends[index]), 0), length) : min(max(resolved(ends[index]), -1), length - 1)
            let count = step > 0 ? max(0, (end - start + step - 1) / step) : max(0, (start - end - step - 1) / -step)
            result[axis] = (start, step, count)
        }
        return result
    }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        [try ranges(inputs[0]).map(\.count)]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        guard let ranges = try? ranges(inputs[0].shape) else { return }
        let input = inputs[0].buffer, output = outputs[0].buffer, shape = outputs[0].shape
        // An output coordinate c along an axis is the input's start + c · step there.
        let inputStrides = Shapes.strides(inputs[0].shape)
        var source = zip(ranges, inputStrides).reduce(0) { $0 + $1.0.start * $1.1 }
        let steps = zip(ranges, inputStrides).map { $0.step * $1 }
        guard let last = shape.indices.last else {
            if !output.isEmpty { output[0] = input[source] }
            return
        }
        // The output a run of its last axis at a time, the runs' starts followed like an odometer (no division).
        let width = shape[last], step = steps[last]
        guard width > 0, !output.isEmpty else { return }
        if shape.count == 2, step == 1 {
            // `[N, C]`, the usual case: a row's run after another's.
            for target in stride(from: 0, to: output.count, by: width) {
                ValueRuns.copy(width, from: input.baseAddress! + source, to: output.baseAddress! + target)
                source += steps[0]
            }
            return
        }
        var coordinate = [Int](repeating: 0, count: last)
        for target in stride(from: 0, to: output.count, by: width) {
            if step == 1 {
                ValueRuns.copy(width, from: input.baseAddress! + source, to: output.baseAddress! + target)
            } else {
                for column in 0..<width { output[target + column] = input[source + column * step] }
            }
            var axis = last - 1
            while axis >= 0 {
                coordinate[axis] += 1
                source += steps[axis]
                if coordinate[axis] < shape[axis] { break }
                source -= steps[axis] * shape[axis]
                coordinate[axis] = 0
                axis -= 1
            }
        }
    }
}
