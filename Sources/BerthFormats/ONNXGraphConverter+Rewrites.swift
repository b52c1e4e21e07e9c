import BerthCore
import BerthText

/// The ONNX nodes `GraphConverter` writes as several operations of Berth's, through tensors named for them: Sum, Max
/// and Min of many inputs as operations of two, Clip as a Max and a Min, a Gemm whose C is computed as the product and
/// an Add, and a MatMul by a vector as one by a column.
extension GraphConverter {
    /// Sum, Max or Min of several inputs: the operation of two in input order.
    mutating func chain(_ operation: GraphOperation, _ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard let first = inputs.first else { throw .init("\(node.opType) \(quoted: node.name) has no input") }
        applyInOrder(to: first, inputs.dropFirst().map { (operation, $0) }, node)
    }

    /// `first` through each operation of two with its operand in turn, through intermediates named after the node's
    /// output; `first` itself (an Identity) when there are none.
    mutating func applyInOrder(to first: String, _ steps: [(GraphOperation, String)], _ node: ONNXNodeProto) {
        guard let output = node.outputs.first else { return }
        guard !steps.isEmpty else {
            converted.append(OperatorNode(name: node.name, operation: .identity, inputs: [first], outputs: [output]))
            return
        }
        var running = first
        for (index, (operation, operand)) in steps.enumerated() {
            let result = index < steps.count - 1 ? freshName("\(output)#\(node.opType.lowercased())\(index)") : output
            converted.append(OperatorNode(name: node.name, operation: operation, inputs: [running, operand], outputs: [result]))
            running = result
        }
    }

    /// Each of `tensors` through a Reshape to the constant `shape`, into tensors named after the node's output and
    /// `role`: their names, in order.
    mutating func reshapeEach(_ tensors: [String], to shape: [Float], as role: String, for node: ONNXNodeProto) -> [String] {
        guard let output = node.outputs.first else { return [] }
        let target = freshName("\(output)#\(role)-shape")
        constants[target] = ConstantTensor(shape: [shape.count], values: shape)
        return tensors.enumerated().map { index, tensor in
            let shaped = freshName("\(output)#\(role)\(index)")
            converted.append(OperatorNode(name: node.name, operation: .reshape(allowZero: false), inputs: [tensor, target], outputs: [shaped]))
            return shaped
        }
    }

    /// A node's constant axes: its `axes` attribute, or (from opset 13 or 18, by operator) its constant second input.
    func constantAxes(_ node: ONNXNodeProto, _ inputs: [String]) -> [Int]? {
        node.attributes["axes"]?.ints ?? (inputs.count > 1 ? constants[inputs[1]]?.wholeNumbers : nil)
    }

    /// `base`, or it with `#`s after it, a name no node and no constant has used; a later node that writes it is refused
    /// (`intermediates`).
    mutating func freshName(_ base: String) -> String {
        var name = base
        while dependencies.contains(where: { $0.inputs.contains(name) || $0.outputs.contains(name) }) || constants[name] != nil
                || stringConstants[name] != nil {
            name += "#"
        }
        intermediates.insert(name)
        return name
    }

    /// A Gemm whose C is computed from the request (a KMeans export's row norms): the product, then beta · C added to it.
    mutating func addGemmOfComputedC(_ node: ONNXNodeProto, _ inputs: [String], gemm: GraphOperation) {
        guard let output = node.outputs.first, case .gemm(_, let beta, _, _) = gemm else { return }
        let product = freshName("\(output)#product")
        converted.append(OperatorNode(name: node.name, operation: gemm, inputs: Array(inputs.prefix(2)), outputs: [product]))
        var added = inputs[2]
        if beta != 1 {
            let (scaled, factor) = (freshName("\(output)#scaled"), freshName("\(output)#beta"))
            constants[factor] = ConstantTensor(shape: [], values: [beta])
            converted.append(OperatorNode(name: node.name, operation: .multiply, inputs: [added, factor], outputs: [scaled]))
            added = scaled
        }
        converted.append(OperatorNode(name: node.name, operation: .add, inputs: [product, added], outputs: [output]))
    }

    /// numpy's matmul by a vector: by it as one column, which is then dropped (a GLM's coefficients).
    mutating func addMatMulByVector(_ node: ONNXNodeProto, _ inputs: [String], _ vector: ConstantTensor) {
        guard let output = node.outputs.first else { return }
        let (column, product) = (freshName("\(output)#column"), freshName("\(output)#product"))
        constants[column] = ConstantTensor(shape: [vector.values.count, 1], values: vector.values)
        converted.append(OperatorNode(name: node.name, operation: .matMul, inputs: [inputs[0], column], outputs: [product]))
        converted.append(OperatorNode(name: node.name, operation: .squeeze(axes: [-1]), inputs: [product], outputs: [output]))
    }

    /// Clip: a Max with the lower bound, then a Min with the upper (NaN stays NaN, as in onnxruntime); the bounds are
    /// inputs from opset 11, each optional, and attributes before.
    mutating func addClip(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard let output = node.outputs.first, let first = inputs.first else { throw .init("Clip \(quoted: node.name) has no input") }
        var bounds = [(GraphOperation, String)]()
        for (index, operation, attribute) in [(1, GraphOperation.maximum, "min"), (2, .minimum, "max")] {
            if opset >= 11, index < inputs.count, !inputs[index].isEmpty {
                bounds.append((operation, inputs[index]))
            } else if opset < 11, let value = node.attributes[attribute]?.float {
                let name = freshName("\(output)#\(attribute)")
                constants[name] = ConstantTensor(shape: [], values: [value])
                bounds.append((operation, name))
            }
        }
        applyInOrder(to: first, bounds, node)
    }
}
