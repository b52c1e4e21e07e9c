extension PackedForest {
    /// Every node's expected leaf value under the training cover: a leaf its value, a split the cover-weighted mean
    /// of its children's, divided by its own cover as xgboost divides it. Empty when the forest has no covers.
    /// Kept as float32, as xgboost keeps them, to add 4 bytes a node rather than 8. A root's is its tree's share of
    /// the contributions' bias, on the CPU (`CPUTreeEnsembleModel+Contributions`) and on the GPU alike.
    public func nodeMeans() -> [Float] {
        guard !covers.isEmpty else { return [] }
        var means = [Float](repeating: 0, count: nodes.count)
        // One stack and one order for every tree, emptied between them: no allocation per tree or per node.
        var stack = [Int](), order = [Int]()
        for root in roots {
            // Every node is pushed after its parent, so the order read backwards sees every child before its parent.
            stack.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            stack.append(Int(root))
            while let node = stack.popLast() {
                order.append(node)
                let packed = nodes[node]
                if packed.featureAndFlags & Self.leafFlag == 0 {
                    stack.append(Int(packed.left))
                    stack.append(Int(packed.right))
                }
            }
            for node in order.reversed() {
                let packed = nodes[node]
                if packed.featureAndFlags & Self.leafFlag != 0 {
                    means[node] = packed.value
                } else {
                    let left = Int(packed.left), right = Int(packed.right)
                    let sum = Double(means[left]) * Double(covers[left]) + Double(means[right]) * Double(covers[right])
                    means[node] = Float(sum / Double(covers[node]))
                }
            }
        }
        return means
    }
}
