import BerthCore
import BerthText

/// Shapes built from a tensor's batch size, and shapes of constants. `x.view(x.size(0), -1)` is what torch writes as a
/// Shape, a Gather of index 0, an Unsqueeze, a Concat with constant dimensions and a Reshape; skl2onnx builds a
/// GaussianProcessRegressor's and a OneVsOneClassifier's tensors the same way, and a ConstantOfShape of such a shape.
/// Berth knows the batch size only when a request comes, and keeps it first in every tensor, so the size is followed
/// from its Shape to where it is used: as the first dimension of a Reshape's target (a `0`, which copies it) or of a
/// ConstantOfShape (`fillRows`). Anything else that reads it is refused by name. The shape of a constant is a constant,
/// and a Gather or Concat of constant shapes is worked out here.
extension GraphConverter {
    /// A shape `[N] + trailing` where N is `source`'s batch size.
    struct BatchShape {
        let source: String
        let trailing: [Int]
    }

    /// Refuses a node that reads a batch size or a shape built from one where Berth cannot follow it.
    func checkBatchSizeReaders(_ node: ONNXNodeProto) throws(ModelReadError.Reason) {
        if let size = node.inputs.first(where: { batchSizes[$0] != nil }),
           !(["Unsqueeze", "Cast", "Concat"].contains(node.opType) && node.inputs.first == size) {
            throw .init("""
                \(node.opType) \(quoted: node.name) reads \(quoted: size), the batch size of a request, which Berth uses only as the \
                first dimension of a Reshape's or ConstantOfShape's shape
                """)
        }
        if let shape = node.inputs.first(where: { batchShapes[$0] != nil }),
           !(node.opType == "Reshape" && node.inputs.dropFirst().first == shape || ["ConstantOfShape", "Cast"].contains(node.opType)) {
            throw .init("\(node.opType) \(quoted: node.name) reads \(quoted: shape), a shape built from the batch size, which Berth uses only to Reshape or fill")
        }
    }

    /// A Shape: of a constant, that constant's dimensions; of anything else, held for a ConstantOfShape, a Reshape or a
    /// Gather of its first dimension.
    mutating func addShape(of input: String, output: String) {
        if let constant = constants[input] {
            constants[output] = ConstantTensor(shape: [constant.shape.count], values: constant.shape.map(Float.init))
        } else {
            shapes[output] = input
        }
    }

    /// A Gather from a held Shape: its index 0, the batch size; any other dimension is refused.
    mutating func addGatherOfShape(_ node: ONNXNodeProto, _ inputs: [String], shapeOf source: String) throws(ModelReadError.Reason) {
        guard inputs.count == 2, let index = constants[inputs[1]], index.values == [0], (node.attributes["axis"]?.int ?? 0) == 0,
              let output = node.outputs.first else {
            throw .init("Gather \(quoted: node.name) takes a dimension of a request's shape other than the batch size (index 0), which Berth does not compute")
        }
        batchSizes[output] = source
    }

    /// A Gather of a constant vector by constant indices (a dimension of a constant's shape): worked out here.
    mutating func addGatherOfConstants(_ node: ONNXNodeProto, data: ConstantTensor, indices: ConstantTensor) throws(ModelReadError.Reason) {
        guard let output = node.outputs.first else { return }
        let count = data.values.count
        var values = [Float]()
        for index in indices.values {
            let position = ConstantTensor.isWholeNumber(index) ? Int(index) + (index < 0 ? count : 0) : -1
            guard (0..<count).contains(position) else {
                throw .init("Gather \(quoted: node.name) takes index \(index) of \(count) values")
            }
            values.append(data.values[position])
        }
        constants[output] = ConstantTensor(shape: indices.shape, values: values)
    }

    /// An Unsqueeze of the batch size to one dimension.
    mutating func addUnsqueezeOfBatchSize(_ node: ONNXNodeProto, _ inputs: [String], source: String) throws(ModelReadError.Reason) {
        guard constantAxes(node, inputs) == [0], let output = node.outputs.first else {
            throw .init("Unsqueeze \(quoted: node.name) of the batch size is not along axis 0")
        }
        batchSizes[output] = source
    }

    /// A Concat on axis 0 of the batch size and then constant dimensions: a shape `[N, …]`.
    mutating func addBatchShape(_ node: ONNXNodeProto, _ inputs: [String], source: String) throws(ModelReadError.Reason) {
        let trailing = inputs.dropFirst().map { constants[$0] }
        guard node.attributes["axis"]?.int == 0, trailing.allSatisfy({ $0 != nil && $0!.shape.count <= 1 }), let output = node.outputs.first else {
            throw .init("Concat \(quoted: node.name) builds a shape from the batch size and dimensions computed from the request, which Berth does not compute")
        }
        guard let dimensions = ConstantTensor(shape: [], values: trailing.flatMap { $0!.values }).wholeNumbers else {
            throw .init("Concat \(quoted: node.name) builds a shape with a dimension that is not a whole number")
        }
        batchShapes[output] = BatchShape(source: source, trailing: dimensions)
    }

    /// A Reshape to a shape built from the batch size: to `[0, …]`, whose 0 keeps the batch (allowzero 0).
    mutating func addReshapeToBatchShape(_ node: ONNXNodeProto, _ inputs: [String], shape: BatchShape) throws(ModelReadError.Reason) {
        guard (node.attributes["allowzero"]?.int ?? 0) == 0, !shape.trailing.contains(0) else {
            throw .init("Reshape \(quoted: node.name) to a shape built from the batch size has a dimension of 0")
        }
        let target = freshName("\(node.outputs[0])#shape")
        constants[target] = ConstantTensor(shape: [shape.trailing.count + 1], values: [0] + shape.trailing.map(Float.init))
        converted.append(OperatorNode(name: node.name, operation: .reshape(allowZero: false), inputs: [inputs[0], target], outputs: node.outputs))
    }

    /// A ConstantOfShape of a constant shape: the constant, filled.
    mutating func addConstantOfConstantShape(_ node: ONNXNodeProto, shape: ConstantTensor, fill: Float) throws(ModelReadError.Reason) {
        let dimensions = shape.wholeNumbers ?? [-1]
        let count = dimensions.reduce(1) { $0.multipliedReportingOverflow(by: max($1, 0)).partialValue }
        guard dimensions.allSatisfy({ $0 >= 0 }), count <= 1 << 24, let output = node.outputs.first else {
            throw .init("ConstantOfShape \(quoted: node.name) has the shape \(shape.values), not whole numbers, negative or over 2^24 values")
        }
        constants[output] = ConstantTensor(shape: dimensions, values: Array(repeating: fill, count: count))
    }

    /// An Add, Sub, Mul or Div of two constants of one shape, or of a constant and one value (a GaussianProcessRegressor's
    /// training rows over its length scale): worked out here in float32, as the kernel would, so that a node that
    /// needs its operands constant (a Scan's training rows) finds them so. False, and nothing done, for any other.
    mutating func foldsArithmeticOfConstants(_ node: ONNXNodeProto, _ inputs: [String]) -> Bool {
        // One value broadcasts to the other's shape only where it has no more dimensions (numpy would add them).
        guard inputs.count == 2, let a = constants[inputs[0]], let b = constants[inputs[1]], let output = node.outputs.first,
              !a.values.isEmpty, !b.values.isEmpty, a.shape == b.shape || a.values.count == 1 && a.shape.count <= b.shape.count || b.values.count == 1 && b.shape.count <= a.shape.count
        else { return false }
        let operation: (Float, Float) -> Float
        switch node.opType {
        case "Add": operation = (+)
        case "Sub": operation = (-)
        case "Mul": operation = (*)
        default: operation = (/)
        }
        let count = max(a.values.count, b.values.count)
        let values = (0..<count).map { operation(a.values[a.values.count == 1 ? 0 : $0], b.values[b.values.count == 1 ? 0 : $0]) }
        let shape = a.values.count != b.values.count ? (a.values.count > b.values.count ? a.shape : b.shape)
            : (a.shape.count >= b.shape.count ? a.shape : b.shape)
        constants[output] = ConstantTensor(shape: shape, values: values)
        return true
    }

    /// An Add, Sub, Mul or Div of a computed tensor and one value held in a tensor of more dimensions (a
    /// GaussianProcessRegressor's `[1, 1]` mean added to its `[N]` predictions): noted, so that a Reshape to a column
    /// reading it can take the operation with the value alone (`addReshapeOfScalarOperation`). With the `[1, 1]` the
    /// answer is `[1, N]`, which Berth cannot hold; the Reshape to `[-1, 1]` after it gives `[N, 1]` either way.
    mutating func noteOperationWithOneValue(_ node: ONNXNodeProto, _ inputs: [String], _ operation: GraphOperation) {
        guard inputs.count == 2, let output = node.outputs.first else { return }
        for (index, input) in inputs.enumerated() {
            guard let constant = constants[input], constant.values.count == 1, constant.shape.count >= 2,
                  constants[inputs[1 - index]] == nil else { continue }
            operationsWithOneValue[output] = (operation, inputs, index)
        }
    }

    /// A Reshape to `[-1, 1]` or `[-1]` of a noted operation with one value: the operation again with the value as a
    /// scalar, then the Reshape; the operation as the file wrote it is then unused.
    mutating func addReshapeOfScalarOperation(_ node: ONNXNodeProto, _ inputs: [String]) -> Bool {
        guard inputs.count == 2, let (operation, operands, constantIndex) = operationsWithOneValue[inputs[0]],
              let target = constants[inputs[1]]?.values, target == [-1, 1] || target == [-1],
              let value = constants[operands[constantIndex]]?.values.first, let output = node.outputs.first else { return false }
        let scalar = freshName("\(output)#scalar")
        constants[scalar] = ConstantTensor(shape: [], values: [value])
        let computed = freshName("\(output)#\(inputs[0])")
        var scalarOperands = operands
        scalarOperands[constantIndex] = scalar
        converted.append(OperatorNode(name: node.name, operation: operation, inputs: scalarOperands, outputs: [computed]))
        var result = computed
        if truncatedIntegerResults.contains(inputs[0]) {
            result = freshName("\(output)#whole")
            converted.append(OperatorNode(name: node.name, operation: .cast(.integer), inputs: [computed], outputs: [result]))
        }
        converted.append(OperatorNode(name: node.name, operation: .reshape(allowZero: false), inputs: [result, inputs[1]], outputs: node.outputs))
        return true
    }
}
