import BerthCore
import BerthText

/// What a k-nearest-neighbours export needs of `GraphConverter`: its Scan as distances, and the tensors Berth holds
/// in another shape than the file's, each of which only the node skl2onnx writes next may read.
///
/// - A Scan's distances are `[M, N]` in the file and `[N, M]` in Berth: only the Transpose that swaps them may read
///   them, and it becomes an Identity.
/// - A lookup in a constant table by computed indices is one row `[1, N·k]` in onnxruntime for a 1-D table, `[T, N·k]`
///   for a table of T rows (a regressor's targets); Berth keeps it the batch first. A 1-D table's may only be
///   reshaped (skl2onnx's `[-1, k]` gives both runtimes the same tensor); a T-row table's is `[N, T, k]` in Berth, and
///   only skl2onnx's Reshape to `[T, -1, k]` (run as `[-1, T, k]`) and then its Transpose `[1, 0, 2]` (an Identity)
///   may read it, after which both runtimes hold `[N, T, k]`.
extension GraphConverter {
    /// Which node may read a held lookup next.
    enum LookupReader: Equatable { case reshape, reshapeToTableRows(Int), transposeOfTableRows }

    /// Refuses a node that reads a held tensor it may not.
    func checkHeldNeighborTensors(_ node: ONNXNodeProto) throws(ModelReadError.Reason) {
        if let distances = node.inputs.first(where: transposedDistances.contains), node.opType != "Transpose" {
            throw .init("\(node.opType) \(quoted: node.name) reads the Scan's distances \(quoted: distances) before their Transpose")
        }
        if let lookup = node.inputs.first(where: { lookups[$0] != nil }) {
            let reader = lookups[lookup] == .transposeOfTableRows ? "Transpose" : "Reshape"
            guard node.opType == reader && node.inputs.first == lookup else {
                throw .init("\(node.opType) \(quoted: node.name) reads \(quoted: lookup), a lookup by computed indices that only a \(reader) may read")
            }
        }
    }

    mutating func addScan(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        let scan = try ONNXScanDistances(node, inputs: inputs, outerConstants: constants)
        converted.append(OperatorNode(name: node.name, operation: .neighborDistances(scan.metric), inputs: [scan.rows, scan.references],
                                      outputs: [node.outputs[1]]))
        // The state comes out as it went in.
        if !node.outputs[0].isEmpty { alias[node.outputs[0]] = scan.rows }
        transposedDistances.insert(node.outputs[1])
    }

    /// An ArrayFeatureExtractor of a constant table by computed indices.
    mutating func addLookup(_ node: ONNXNodeProto, _ inputs: [String], table: ConstantTensor) {
        guard let output = node.outputs.first else { return }
        converted.append(OperatorNode(name: node.name, operation: .tableLookup, inputs: inputs, outputs: node.outputs))
        lookups[output] = table.shape.count == 2 ? .reshapeToTableRows(table.shape[0]) : .reshape
    }

    /// onnxruntime's `[T, N·k]` to `[T, N, k]` is Berth's `[N, T, k]` to itself: a Reshape to `[-1, T, k]`, so that a
    /// different k is refused at load.
    mutating func addReshapeOfTableRows(_ node: ONNXNodeProto, _ inputs: [String], rows: Int) throws(ModelReadError.Reason) {
        guard let output = node.outputs.first, inputs.count == 2, let target = constants[inputs[1]]?.values, target.count == 3,
              target[0] == Float(rows), target[1] == -1, target[2] > 0 else {
            throw .init("Reshape \(quoted: node.name) of a lookup in a table of \(rows) rows is not to [\(rows), -1, k]")
        }
        let berthShape = freshName("\(output)#shape")
        constants[berthShape] = ConstantTensor(shape: [3], values: [-1, Float(rows), target[2]])
        converted.append(OperatorNode(name: node.name, operation: .reshape(allowZero: false), inputs: [inputs[0], berthShape],
                                      outputs: node.outputs))
        lookups[output] = .transposeOfTableRows
    }

    /// The Transpose that brings a held tensor to the file's shape, where Berth's already is: an Identity.
    mutating func addTransposeBack(_ node: ONNXNodeProto, _ inputs: [String]) throws(ModelReadError.Reason) {
        let distances = transposedDistances.contains(inputs[0])
        let permutation = distances ? [1, 0] : [1, 0, 2]
        guard node.attributes["perm"]?.ints == permutation else {
            throw .init(distances ? "Transpose \(quoted: node.name) of the Scan's distances is not perm [1, 0]"
                                  : "Transpose \(quoted: node.name) of a lookup in a table of rows is not perm [1, 0, 2]")
        }
        converted.append(OperatorNode(name: node.name, operation: .identity, inputs: inputs, outputs: node.outputs))
    }
}
