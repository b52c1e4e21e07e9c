import BerthCore
import BerthText

/// What exports that stack tensors on the batch axis need of `GraphConverter`. Bagging: skl2onnx averages a BaggingClassifier's or
/// BaggingRegressor's estimators by stacking their `[N, C]` answers on a new first axis (each Reshape to `[1, -1, C]`,
/// then a Concat on axis 0) and taking the mean over that axis (a ReduceMean over axis 0 that drops it). Berth keeps
/// the batch first in every tensor, so it holds the stacked parts, which only that Concat may read, and the stack,
/// which only that mean (or a sum) may read, and runs the mean as what it is: each part shaped `[N, C]` (a Reshape
/// to `[-1, C]`, which checks the width at load), added in order, then divided by their count. Columns: a Concat on
/// axis 0 of K parts, reshaped to `[K, -1]` and transposed, is the parts side by side (`addColumnsOfParts`).
extension GraphConverter {
    /// A tensor held while a stack is built (`stackParts`, `stacks`).
    struct HeldStack {
        /// The `[N, C]` tensors stacked, in order.
        let parts: [String]
        /// Their width, C.
        let width: Float
    }

    /// Refuses a node that reads a stacked part or a stack it may not: anything but the Concat on axis 0 of parts
    /// alone, or a mean or sum over the stack's axis.
    func checkHeldStacks(_ node: ONNXNodeProto) throws(ModelReadError.Reason) {
        if let part = node.inputs.first(where: { stackParts[$0] != nil }),
           node.opType != "Concat" || node.attributes["axis"]?.int != 0 || !node.inputs.allSatisfy({ stackParts[$0] != nil }) {
            throw .init("""
                \(node.opType) \(quoted: node.name) reads \(quoted: part), a Reshape to [1, -1, C] that Berth serves only as part of \
                a stack (a Concat on axis 0 of such parts, then its mean or sum over axis 0)
                """)
        }
        if let stack = node.inputs.first(where: { stacks[$0] != nil }), !["ReduceMean", "ReduceSum"].contains(node.opType) || node.inputs.first != stack {
            throw .init("\(node.opType) \(quoted: node.name) reads \(quoted: stack), a stack on a new first axis that Berth serves only as its mean or sum over that axis")
        }
    }

    /// A Reshape to `[1, -1, C]`: held as a part of a stack, where `target` is such a shape; false for any other.
    mutating func holdStackPart(_ node: ONNXNodeProto, _ inputs: [String]) -> Bool {
        guard inputs.count == 2, let target = constants[inputs[1]]?.values, target.count == 3, target[0] == 1, target[1] == -1,
              target[2] > 0, target[2] == target[2].rounded(), let output = node.outputs.first else { return false }
        stackParts[output] = HeldStack(parts: [inputs[0]], width: target[2])
        return true
    }

    /// A Concat on axis 0 of held parts of one width: held as their stack.
    mutating func holdStack(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        let parts = inputs.compactMap { stackParts[$0] }
        guard let output = node.outputs.first, let width = parts.first?.width, parts.allSatisfy({ $0.width == width }) else {
            throw .init("Concat \(quoted: node.name) stacks parts of different widths")
        }
        stacks[output] = HeldStack(parts: parts.flatMap(\.parts), width: width)
    }

    /// A ReduceMean or ReduceSum of a held stack over its axis 0, dropping it: the parts added in order (then divided by
    /// their count, for the mean).
    mutating func addReductionOfStack(_ node: ONNXNodeProto, _ inputs: [String], stack: HeldStack, keepDims: Bool) throws(ModelReadError.Reason) {
        guard constantAxes(node, inputs) == [0], !keepDims, let output = node.outputs.first else {
            throw .init("\(node.opType) \(quoted: node.name) of a stack is not over axis 0 alone with keepdims 0")
        }
        let parts = reshapeEach(stack.parts, to: [-1, stack.width], as: "part", for: node)
        var steps = parts.dropFirst().map { (GraphOperation.add, $0) }
        if node.opType == "ReduceMean" {
            let count = freshName("\(output)#count")
            constants[count] = ConstantTensor(shape: [], values: [Float(parts.count)])
            steps.append((.divide, count))
        }
        applyInOrder(to: parts[0], steps, node)
    }

    /// Notes a Concat on axis 0 by its parts, then emitted as it is (its own answer is what it was; it is dropped where
    /// nothing but `addColumnsOfParts` reads it).
    mutating func noteConcatOnAxis0(_ node: ONNXNodeProto, _ inputs: [String]) {
        guard let output = node.outputs.first, inputs.count > 1 else { return }
        concatenatedParts[output] = inputs
    }

    /// Notes a Reshape to `[K, -1]` of a Concat of K parts on axis 0: its rows are the parts, flattened.
    mutating func noteRowsOfParts(_ node: ONNXNodeProto, _ inputs: [String]) {
        guard inputs.count == 2, let parts = concatenatedParts[inputs[0]], let target = constants[inputs[1]]?.values,
              target == [Float(parts.count), -1], let output = node.outputs.first else { return }
        partRows[output] = parts
    }

    /// A Transpose `[1, 0]` of K parts as rows (QuadraticDiscriminantAnalysis's K per-class distances, each `[N, 1]`,
    /// concatenated on axis 0, reshaped to `[K, -1]` and transposed to `[N, K]`): the same tensor as each part
    /// flattened to one column and the columns concatenated, `out[i][j] = part_j[i]` either way, without the batch ever
    /// leaving the first axis. A part that is not one column of the batch is refused at load (its Reshape to
    /// `[-1, 1]` would move the batch).
    mutating func addColumnsOfParts(_ node: ONNXNodeProto, parts: [String]) {
        let columns = reshapeEach(parts, to: [-1, 1], as: "column", for: node)
        converted.append(OperatorNode(name: node.name, operation: .concat(axis: 1), inputs: columns, outputs: node.outputs))
    }
}
