/// ONNX CumSum along a constant axis (never the batch): each value is the sum of those before it along the axis,
/// itself included unless `exclusive`, counted from the axis's end when `reverse`. The sum runs in float32, one value
/// after another, as onnxruntime adds them, so the totals carry the same rounding: AdaBoostRegressor's export sums
/// its estimators' weights so to find each row's weighted median.
struct CumulativeSumKernel: GraphKernel {
    let axis: Int
    let exclusive: Bool
    let reverse: Bool
    var constantInputs: Set<Int> { [1] }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let resolved = try Shapes.axis(axis, rank: inputs[0].count)
        guard inputs[0][resolved] != batch else { throw ModelValidationError("CumSum down the batch dimension is not supported") }
        return [inputs[0]]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (outer, length, inner) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: false)
        let input = inputs[0].buffer, output = outputs[0].buffer
        for block in 0..<outer {
            for offset in 0..<inner {
                var sum: Float = 0
                for step in 0..<length {
                    let position = block * length * inner + (reverse ? length - 1 - step : step) * inner + offset
                    let value = input[position]
                    if exclusive { output[position] = sum }
                    // An inclusive sum starts at the first value itself (-0 stays -0), an exclusive one at +0, as
                    // onnxruntime starts them.
                    sum = step == 0 && !exclusive ? value : sum + value
                    if !exclusive { output[position] = sum }
                }
            }
        }
    }
}
