import BerthText

/// ONNX GatherElements (numpy's `take_along_axis`): each output value is the data's value along `axis` at the position
/// the indices tensor holds in the same place, the output taking the indices' shape. AdaBoostRegressor's export picks
/// each row's weighted-median estimator so. Data and indices have one rank and the same dimensions but along `axis`
/// (never the batch: a computed tensor's batch pairs only with another's). Negative indices count from the axis's end, as ONNX says;
/// an index that is not a whole number within the axis gives NaN, and the request is refused naming the row
/// (`RefusingGraphKernel`), as onnxruntime fails it.
struct GatherElementsKernel: RefusingGraphKernel {
    let axis: Int
    /// The node's name, for the refusal.
    let nodeName: String
    var refuses: Bool { true }

    func outputShapes(_ inputs: [[Int]]) throws(ModelValidationError) -> [[Int]] {
        let data = inputs[0], indices = inputs[1]
        guard data.count == indices.count else {
            throw ModelValidationError("GatherElements takes data and indices of one rank, not \(Shapes.describe(data)) and \(Shapes.describe(indices))")
        }
        let resolved = try Shapes.axis(axis, rank: data.count)
        guard data[resolved] != batch else { throw ModelValidationError("GatherElements along the batch axis is not supported") }
        for dimension in data.indices where dimension != resolved && data[dimension] != indices[dimension] {
            throw ModelValidationError("""
                GatherElements of \(Shapes.describe(data)) by indices \(Shapes.describe(indices)): Berth takes indices as long \
                as the data in every axis but \(axis)
                """)
        }
        return [indices]
    }

    func run(_ inputs: [TensorView], _ outputs: [TensorView]) {
        let (outer, length, inner) = Shapes.aroundAxis(inputs[0].shape, axis: axis, flattenFromAxis: false)
        let picks = inputs[1].shape[resolvedAxis(rank: inputs[1].shape.count)]
        let data = inputs[0].buffer, indices = inputs[1].buffer, output = outputs[0].buffer
        for block in 0..<outer {
            for pick in 0..<picks {
                for offset in 0..<inner {
                    let position = (block * picks + pick) * inner + offset
                    guard let step = Shapes.place(indices[position], along: length) else {
                        output[position] = .nan
                        continue
                    }
                    output[position] = data[(block * length + step) * inner + offset]
                }
            }
        }
    }

    /// `axis` counted from the front (checked against the rank at load).
    private func resolvedAxis(rank: Int) -> Int { axis < 0 ? axis + rank : axis }

    func refusals(_ inputs: [TensorView], rows: Int) -> [RowRefusal] {
        let length = inputs[0].shape[resolvedAxis(rank: inputs[0].shape.count)]
        return rowsHolding(inputs[1].buffer, rows: rows, refused: { Shapes.place($0, along: length) == nil }) { [nodeName] in
            Self.reason($0, length: length, nodeName: nodeName)
        }
    }

    /// Why a row holding the index `value` is refused.
    private static func reason(_ value: Float, length: Int, nodeName: String) -> String {
        """
        \(RowRefusal.naming(value, as: "index")) reaches the model's GatherElements\(nodeName.isEmpty ? "" : " \(quoted: nodeName)") \
        along an axis of \(length), which has no such place, so onnxruntime refuses it too: the model computes that index \
        from the request, so check the values the row sends
        """
    }
}
