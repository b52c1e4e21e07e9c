import BerthCore

/// PyTorch's exact GELU below opset 20 (`nn.GELU()`, `F.gelu`, Hugging Face's `x * 0.5 * (1 + erf(x / √2))`), which
/// the exporter writes as five element-wise nodes — a Div by √2 (or a Mul by 1/√2), Erf, an Add of 1, a Mul by the
/// input and a Mul by 0.5, the last two in either order — run as the one step ONNX's Gelu is: a single pass over the
/// values instead of five, each x · (1 + erf(x / √2)) / 2 worked out in double and rounded once, as onnxruntime also
/// fuses them. The five nodes stay in the graph; where nothing else reads their tensors, nothing runs them.
extension GraphConverter {
    /// A `Mul` that ends the five nodes: the GELU of their input, written to its output; false for any other.
    mutating func addFusedGELU(_ node: ONNXNodeProto, _ inputs: [String]) -> Bool {
        guard inputs.count == 2, let output = node.outputs.first, let input = geluInput(inputs[0], inputs[1]) ?? geluInput(inputs[1], inputs[0])
        else { return false }
        converted.append(OperatorNode(name: node.name, operation: .unaryMath(.gelu(tanhApproximation: false)), inputs: [input],
                                      outputs: [output]))
        return true
    }

    /// The x of `first · second` when that is x · (1 + erf(x / √2)) · 0.5 with `first` the product's other part:
    /// `(x · p) · 0.5` or `(x · 0.5) · p`, p being `1 + erf(x / √2)`.
    private func geluInput(_ first: String, _ second: String) -> String? {
        guard let (a, b) = operands(of: first, .multiply) else { return nil }
        if isValue(second, 0.5) {
            return erfPlusOne(b, of: a) ? a : erfPlusOne(a, of: b) ? b : nil
        }
        let x = isValue(b, 0.5) ? a : isValue(a, 0.5) ? b : nil
        return x.flatMap { erfPlusOne(second, of: $0) ? $0 : nil }
    }

    /// Whether `tensor` is `1 + erf(x / √2)` (or `x · (1 / √2)`), in any order of each operation's operands.
    private func erfPlusOne(_ tensor: String, of x: String) -> Bool {
        guard let (a, b) = operands(of: tensor, .add) else { return false }
        guard let erf = isValue(b, 1) ? a : isValue(a, 1) ? b : nil,
              let producer = producer(of: erf), producer.operation == .unaryMath(.erf), let scaled = producer.inputs.first
        else { return false }
        if let (dividend, divisor) = operands(of: scaled, .divide) {
            return dividend == x && isValue(divisor, 2.0.squareRoot())
        }
        guard let (c, d) = operands(of: scaled, .multiply) else { return false }
        return c == x && isValue(d, 0.5.squareRoot()) || d == x && isValue(c, 0.5.squareRoot())
    }

    /// The two inputs of the node that wrote `tensor` when it is `operation`.
    private func operands(of tensor: String, _ operation: GraphOperation) -> (String, String)? {
        guard let node = producer(of: tensor), node.operation == operation, node.inputs.count == 2 else { return nil }
        return (node.inputs[0], node.inputs[1])
    }

    /// The node among the last eight converted that wrote `tensor`: the exporters write the five nodes one after
    /// another, and a look that goes no further keeps a graph's every Mul cheap (a GELU spread wider runs unfused).
    private func producer(of tensor: String) -> OperatorNode? {
        converted.suffix(8).last { $0.outputs.contains(tensor) }
    }

    /// Whether `name` is a constant of one value within float32's rounding of `value`.
    private func isValue(_ name: String, _ value: Double) -> Bool {
        guard let constant = constants[name], constant.values.count == 1 else { return false }
        return abs(Double(constant.values[0]) - value) <= value * 0x1p-23
    }
}
