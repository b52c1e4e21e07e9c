import BerthCore
import BerthText

/// What a k-nearest-neighbours regressor of several targets weighted by distance needs of `GraphConverter`.
///
/// skl2onnx weighs the neighbours' targets `[N, T, k]` by their weights `[N, k]` by moving the batch axis to the middle
/// (a Transpose `[1, 0, 2]` to `[T, N, k]`), multiplying (numpy broadcasting lines the weights up with the last two
/// axes), and moving it back with the same Transpose. Berth keeps the batch first in every tensor, so it holds the
/// moved tensor as the `[N, T, k]` it came from, gives a computed operand a middle axis (`[N, 1, k]`: the same product,
/// value for value), and runs the Transpose back as nothing. Only Add, Sub, Mul, Div and that Transpose may read a held
/// tensor; a constant operand may line up with its last axis alone.
extension GraphConverter {
    /// Refuses a node that reads a held tensor (`middleBatch`) otherwise.
    func checkMiddleBatchReaders(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard let held = inputs.first(where: middleBatch.contains) else { return }
        switch node.opType {
        case "Transpose" where inputs.first == held && node.attributes["perm"]?.ints == [1, 0, 2]: return
        case "Add", "Sub", "Mul", "Div": return
        default:
            throw .init("""
                \(node.opType) \(quoted: node.name) reads \(quoted: held), a tensor whose batch axis the export moved to the \
                middle, which Berth serves only through an Add, Sub, Mul or Div and the Transpose [1, 0, 2] that moves it back
                """)
        }
    }

    /// A Transpose `[1, 0, 2]` of a tensor computed from the request: the batch moved to the middle, held as it was
    /// (an Identity); of a held tensor, moved back (an Identity too, no longer held). False for any other.
    mutating func holdMiddleBatch(_ node: ONNXNodeProto, _ inputs: [String], permutation: [Int]) -> Bool {
        guard permutation == [1, 0, 2], let input = inputs.first, let output = node.outputs.first, constants[input] == nil,
              !computedFromConstants.contains(input) else { return false }
        converted.append(OperatorNode(name: node.name, operation: .identity, inputs: [input], outputs: node.outputs))
        if !middleBatch.contains(input) { middleBatch.insert(output) }
        return true
    }

    /// An Add, Sub, Mul or Div reading a held tensor: a computed operand given a middle axis, a constant one taken as
    /// it is where it has at most one axis; the result held. False where neither operand is held.
    mutating func addArithmeticOfMiddleBatch(_ node: ONNXNodeProto, _ inputs: [String], _ operation: GraphOperation) throws(ModelReadError.Reason) -> Bool {
        guard inputs.count == 2, let heldIndex = inputs.firstIndex(where: middleBatch.contains), let output = node.outputs.first else {
            return false
        }
        var operands = inputs
        let other = inputs[1 - heldIndex]
        if let constant = constants[other] {
            guard constant.shape.count <= 1 else {
                throw .init("\(node.opType) \(quoted: node.name) reads a tensor whose batch axis the export moved to the middle with a constant of \(constant.shape.count) axes; Berth takes one lined up with its last axis")
            }
        } else if computedFromConstants.contains(other) {
            throw .init("\(node.opType) \(quoted: node.name) reads a tensor whose batch axis the export moved to the middle with one computed from constants, which Berth does not line up")
        } else if !middleBatch.contains(other) {
            let lined = freshName("\(other)#middle")
            converted.append(OperatorNode(name: node.name, operation: .unsqueeze(axes: [1]), inputs: [other], outputs: [lined]))
            operands[1 - heldIndex] = lined
        }
        converted.append(OperatorNode(name: node.name, operation: operation, inputs: operands, outputs: node.outputs))
        middleBatch.insert(output)
        return true
    }
}
