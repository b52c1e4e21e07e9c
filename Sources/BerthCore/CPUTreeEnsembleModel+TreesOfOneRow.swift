import CBerthKernels

/// One row down many trees together.
extension CPUTreeEnsembleModel {
    /// One row down every tree, `treesAtOnce` trees stepping together level by level with a select per step (the
    /// lockstep walk across trees instead of rows), so the walks overlap in the pipeline instead of each waiting
    /// on its own chain of loads and mispredicted branches; or, with `gatherInstructionSet`, `treesAtOnceWithGathers`
    /// trees with vector gathers (`berth_forest_walk_row_using`). Groups with a categorical tree walk one tree at a
    /// time.
    @inline(__always)
    func walkTreesOfOneRow(nodes: UnsafeBufferPointer<PackedForest.Node>, features: UnsafePointer<Float>,
                           margins: UnsafeMutablePointer<Float>, indices: UnsafeMutablePointer<Int32>, gatherInstructionSet: Int32?) {
        let treeCount = forest.roots.count
        var first = 0
        while first < treeCount {
            let count = min(gatherInstructionSet == nil ? Self.treesAtOnce : Self.treesAtOnceWithGathers, treeCount - first)
            var depth: Int32 = 0
            var categorical = false
            for tree in first..<first + count {
                indices[tree - first] = forest.roots[tree]
                depth = max(depth, forest.depths[tree])
                categorical = categorical || forest.hasCategorical[tree]
            }
            if categorical {
                for tree in first..<first + count { indices[tree - first] = leaf(from: forest.roots[tree], nodes: nodes, features: features) }
            } else if let gatherInstructionSet,
                      berth_forest_walk_row_using(gatherInstructionSet, nodes.baseAddress, features, indices, count, Int(depth)) == 0 {
                // Walked with vector gathers, one tree a lane (CBerthKernels): the same steps as below.
            } else {
                for _ in 0..<depth {
                    for slot in 0..<count { indices[slot] = Self.step(nodes[Int(indices[slot])], features: features) }
                }
            }
            if groupCount == 1 {
                // One sum, held in a register across the group's trees: added through memory, each tree's addition
                // waited for the store of the one before (a third of a one-row call's time in `perf`).
                var sum = margins[0]
                for slot in 0..<count { sum += nodes[Int(indices[slot])].value }
                margins[0] = sum
            } else {
                for tree in first..<first + count {
                    margins[Int(forest.groups[tree])] += nodes[Int(indices[tree - first])].value
                }
            }
            first += count
        }
    }
}
