/// The block's rows down one tree together, and the vote combinations that walk that way.
extension CPUTreeEnsembleModel {
    /// ONNX's aggregates over the leaves that vote (a NaN leaf does not): their sum, smallest or largest, NaN
    /// when no tree voted; then the base margin.
    func combineVotes(nodes: UnsafeBufferPointer<PackedForest.Node>, block: UnsafePointer<Float>, blockRows: Int, margins: UnsafeMutableBufferPointer<Float>,
                              indices: UnsafeMutablePointer<Int32>) {
        let groups = groupCount
        for index in 0..<blockRows * groups { margins[index] = .nan }
        for tree in forest.roots.indices {
            walkRowsInLockstep(tree: tree, nodes: nodes, block: block, blockRows: blockRows, indices: indices)
            let group = Int(forest.groups[tree])
            for row in 0..<blockRows {
                let leaf = nodes[Int(indices[row])].value
                guard !leaf.isNaN else { continue }
                let slot = row * groups + group
                let current = margins[slot]
                switch combination {
                case .minimum: margins[slot] = current.isNaN || leaf < current ? leaf : current
                case .maximum: margins[slot] = current.isNaN || leaf > current ? leaf : current
                default: margins[slot] = current.isNaN ? leaf : current + leaf
                }
            }
        }
        for row in 0..<blockRows {
            for group in 0..<groups { margins[row * groups + group] += baseMargins[group] }
        }
    }

    /// Steps every row of the block down one tree as many times as the tree is deep, leaving in `indices` the leaf
    /// each row reaches. Rows step together, level by level, so their walks overlap in the pipeline, and each step
    /// is a select rather than a branch (leaves step to themselves). The rule is XGBoost's: NaN takes the default
    /// branch, numerical splits go left when `x < threshold` (strict, float32), categorical splits send listed
    /// codes right.
    @inline(__always)
    func walkRowsInLockstep(tree: Int, nodes: UnsafeBufferPointer<PackedForest.Node>, block: UnsafePointer<Float>, blockRows: Int,
                            indices: UnsafeMutablePointer<Int32>) {
        let root = forest.roots[tree]
        if blockRows < Self.lockstepRows {
            for row in 0..<blockRows { indices[row] = leaf(from: root, nodes: nodes, features: block + row * featureCount) }
            return
        }
        for row in 0..<blockRows { indices[row] = root }
        let depth = Int(forest.depths[tree])
        let width = featureCount
        if forest.hasCategorical[tree] {
            for _ in 0..<depth {
                for row in 0..<blockRows {
                    let index = Int(indices[row])
                    let node = nodes[index]
                    let flags = node.featureAndFlags
                    let x = block[row * width + Int(flags & PackedForest.featureMask)]
                    let goLeft: Bool
                    if x.isNaN || flags & PackedForest.categoricalFlag == 0 || flags & PackedForest.leafFlag != 0 {
                        goLeft = x.isNaN ? flags & PackedForest.defaultLeftFlag != 0 : x < node.value
                    } else {
                        goLeft = !categoryGoesRight(x, node: index)
                    }
                    indices[row] = goLeft ? node.left : node.right
                }
            }
            return
        }
        for _ in 0..<depth {
            for row in 0..<blockRows { indices[row] = Self.step(nodes[Int(indices[row])], features: block + row * width) }
        }
    }
}
