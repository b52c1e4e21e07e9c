import BerthCore
import BerthText

/// What an export that flattens a request's rows into one needs of `GraphConverter`.
///
/// skl2onnx's QuantileTransformer works on every value of the request at once: a Flatten at axis 0 makes the `[N, F]`
/// rows one row `[1, N·F]` in onnxruntime, elementwise arithmetic, comparisons and lookups in the transformer's
/// quantile tables follow, and a Reshape to the Shape of an `[N, F]` tensor brings the rows back. Berth keeps the batch
/// first in every tensor, so it holds such a tensor as the `[N, F]` it came from — the same values in the same order —
/// and lets only what treats each value alone read it: elementwise operators whose other inputs are held the same way
/// or one constant value, a Gather from a constant 1-D table by it, a Flatten (nothing to do on one row), and the
/// Reshape to a computed tensor's Shape that ends it (where the widths differ, that Reshape is refused at load).
extension GraphConverter {
    /// Operators that work on each value alone, so on a held tensor as on onnxruntime's one row.
    static let valueWiseOperators: Set<String> = [
        "Add", "Sub", "Mul", "Div", "Pow", "Max", "Min", "Equal", "Less", "LessOrEqual", "Greater", "GreaterOrEqual", "And",
        "Or", "Xor", "Not", "Where", "Cast", "IsNaN", "Neg", "Abs", "Sqrt", "Exp", "Log", "Reciprocal", "Identity",
    ]

    /// Refuses a node that reads a held tensor (`flattenedRows`) in a way that would mix its rows or its values' places.
    func checkFlattenedRowsReaders(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        guard let held = inputs.first(where: flattenedRows.contains) else { return }
        switch node.opType {
        case "Flatten":
            return
        case "Gather" where inputs.count == 2 && inputs[1] == held && constants[inputs[0]]?.shape.count == 1
            && node.attributes["axis"]?.int ?? 0 == 0:
            return
        case "Reshape" where inputs.count == 2 && inputs[0] == held && shapes[inputs[1]] != nil:
            return
        case let operatorName where Self.valueWiseOperators.contains(operatorName):
            if let other = inputs.first(where: { !$0.isEmpty && !flattenedRows.contains($0) && constants[$0]?.values.count != 1 }) {
                throw .init("""
                    \(operatorName) \(quoted: node.name) reads \(quoted: held), the request's values flattened into one row, \
                    with \(quoted: other), which is not flattened so nor one value: Berth runs such a row value by value only
                    """)
            }
        default:
            throw .init("""
                \(node.opType) \(quoted: node.name) reads \(quoted: held), the request's values flattened into one row, which \
                Berth serves only value by value (elementwise operators, a Gather from a constant 1-D table, a Reshape back to a \
                request tensor's Shape)
                """)
        }
    }

    /// A Flatten: at axis 0 of a computed tensor, or of a held one at any axis, the same tensor, held (an Identity);
    /// false for any other.
    mutating func holdFlattenedRows(_ node: ONNXNodeProto, _ inputs: [String], axis: Int) -> Bool {
        guard let input = inputs.first, let output = node.outputs.first,
              flattenedRows.contains(input) || axis == 0 && constants[input] == nil && !computedFromConstants.contains(input)
        else { return false }
        converted.append(OperatorNode(name: node.name, operation: .identity, inputs: [input], outputs: node.outputs))
        flattenedRows.insert(output)
        return true
    }

    /// After `node`: its outputs held too where it read a held tensor, but for the Reshape that ends the hold; and noted
    /// as computed from constants where all it read was (a Flatten at axis 0 of those is folded at load, as before).
    mutating func noteFlattenedRows(_ node: ONNXNodeProto, _ inputs: [String]) {
        let outputs = node.outputs.filter { !$0.isEmpty && constants[$0] == nil }
        if !inputs.contains(where: { !$0.isEmpty && constants[$0] == nil && !computedFromConstants.contains($0) }) {
            computedFromConstants.formUnion(outputs)
        }
        guard node.opType != "Reshape", node.opType != "Flatten", inputs.contains(where: flattenedRows.contains) else { return }
        flattenedRows.formUnion(outputs)
    }
}
