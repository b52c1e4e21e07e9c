/// Folding what follows a dense layer into it: the Add of a constant row and the activation (Relu, LeakyRelu,
/// Sigmoid, Tanh) that come straight after a MatMul or Gemm become the layer's `DenseEpilogue`, so the products are
/// written once, as they are computed, instead of being read and written again by two more steps on one thread (a
/// tenth of a 3 × 256 MLP's time on 4,096 rows with Relu; most of it with Tanh or Sigmoid). Only a tensor nothing else reads is folded away, so every name the rest of the graph uses
/// still holds what it held.
extension GraphPlanner {
    /// What the dense node at a position takes over: its epilogue, the positions of the nodes it replaces, and the
    /// tensor it now writes (the last replaced node's output).
    struct DenseFusion {
        var epilogue = DenseEpilogue.none
        var absorbed = [Int]()
        var output: String
    }

    /// The fusion for the node at `position`, or nil when it is not a MatMul or Gemm or nothing folds into it.
    /// `reads` counts every tensor's readers (the graph's output counting as one).
    func denseFusion(at position: Int, reads: [String: Int]) -> DenseFusion? {
        let node = graph.nodes[position]
        let inputs = node.inputs.filter { !$0.isEmpty }
        guard inputs.count >= 2, let weights = constant(inputs[1]), weights.shape.count == 2 else { return nil }
        let columns: Int
        switch node.operation {
        case .matMul: columns = weights.shape[1]
        case .gemm(_, _, _, let transB): columns = transB ? weights.shape[0] : weights.shape[1]
        default: return nil
        }
        guard node.outputs.count == 1 else { return nil }
        var fusion = DenseFusion(output: node.outputs[0])
        var next = position + 1
        // After a Gemm's C (which starts each sum) the addend is still a rounding of its own, as the Add's was.
        if let (added, addend) = constantRowAdd(to: fusion.output, at: next, columns: columns, reads: reads) {
            fusion.epilogue.addend = addend
            fusion.absorbed.append(next)
            fusion.output = added
            next += 1
        }
        if next < graph.nodes.count, let activation = graph.nodes[next].operation.activation,
           let output = soleOutput(of: next, readingOnly: fusion.output, reads: reads) {
            fusion.epilogue.activation = activation
            fusion.absorbed.append(next)
            fusion.output = output
        }
        return fusion.absorbed.isEmpty ? nil : fusion
    }

    /// When the node at `position` adds a constant row of `columns` values (or one value) to `tensor` and nothing
    /// else reads `tensor`: the node's output and the row, one value per column.
    private func constantRowAdd(to tensor: String, at position: Int, columns: Int, reads: [String: Int]) -> (String, [Float])? {
        guard position < graph.nodes.count, case .add = graph.nodes[position].operation, reads[tensor] == 1 else { return nil }
        let node = graph.nodes[position]
        let inputs = node.inputs.filter { !$0.isEmpty }
        guard inputs.count == 2, inputs.contains(tensor), node.outputs.count == 1, !node.outputs[0].isEmpty,
              let row = constant(inputs[0] == tensor ? inputs[1] : inputs[0]), inputs[0] != inputs[1] else { return nil }
        // [columns], [1, columns] or a single value: broadcast against [batch, …, columns], the sum keeps its shape.
        let count = row.values.count
        guard count == columns || count == 1, row.shape.count <= 2, row.shape.dropLast().allSatisfy({ $0 == 1 }),
              row.shape.reduce(1, *) == count else { return nil }
        return (node.outputs[0], count == columns ? row.values : [Float](repeating: row.values[0], count: columns))
    }

    /// The output of the one-input node at `position` when it reads only `tensor` and nothing else does.
    private func soleOutput(of position: Int, readingOnly tensor: String, reads: [String: Int]) -> String? {
        let node = graph.nodes[position]
        guard node.inputs.filter({ !$0.isEmpty }) == [tensor], reads[tensor] == 1, node.outputs.count == 1,
              !node.outputs[0].isEmpty else { return nil }
        return node.outputs[0]
    }

    private func constant(_ name: String) -> ConstantTensor? {
        guard let location = try? location(of: name) else { return nil }
        return constantValues(location)
    }
}
