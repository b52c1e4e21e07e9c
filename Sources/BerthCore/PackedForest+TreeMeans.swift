extension PackedForest {
    /// Each tree's expected leaf value under the training cover, in tree order: a leaf's is its value, a split's the
    /// cover-weighted mean of its children's, divided by its own cover as xgboost divides it; the tree's is its
    /// root's. Empty when the forest has no covers. Every node's mean is rounded to float32 before its parent reads
    /// it, as xgboost keeps them. A tree's share of the contributions' bias, on the CPU
    /// (`CPUTreeEnsembleModel+Contributions`) and on the GPU alike.
    public func treeMeans() -> [Float] {
        guard !covers.isEmpty else { return [] }
        // One scratch of node means, one stack and one order for every tree, emptied between them: a tree's nodes
        // are contiguous from its root, so the scratch is indexed from there.
        var means = [Float](), stack = [Int](), order = [Int]()
        return roots.indices.map { tree in
            let root = Int(roots[tree])
            let end = tree + 1 < roots.count ? Int(roots[tree + 1]) : nodes.count
            means.removeAll(keepingCapacity: true)
            means.append(contentsOf: repeatElement(0, count: end - root))
            stack.removeAll(keepingCapacity: true)
            order.removeAll(keepingCapacity: true)
            stack.append(root)
            // Every node is pushed after its parent, so the order read backwards sees every child before its parent.
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
                    means[node - root] = packed.value
                } else {
                    let left = Int(packed.left), right = Int(packed.right)
                    let sum = Double(means[left - root]) * Double(covers[left]) + Double(means[right - root]) * Double(covers[right])
                    means[node - root] = Float(sum / Double(covers[node]))
                }
            }
            return means[0]
        }
    }
}
