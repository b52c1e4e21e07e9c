/// The decision at one node, as XGBoost takes it: NaN follows the default branch, a numerical split goes left when
/// `x < threshold` (strict, in float32), a categorical split sends the listed category codes right.
extension CPUTreeEnsembleModel {
    /// One step of a numerical split, branch-free: the child `features` lead to (a leaf steps to itself). NaN
    /// compares false, so it goes left only through the default-left flag.
    @inline(__always)
    static func step(_ node: PackedForest.Node, features: UnsafePointer<Float>) -> Int32 {
        let flags = node.featureAndFlags
        let x = features[Int(flags & PackedForest.featureMask)]
        let less: UInt32 = x < node.value ? 1 : 0
        let missingLeft: UInt32 = (x.isNaN ? 1 : 0) & (flags & PackedForest.defaultLeftFlag != 0 ? 1 : 0)
        return less | missingLeft != 0 ? node.left : node.right
    }

    /// One row's walk down one tree, stopping at the leaf, with branches: for trees with categorical splits in a
    /// row's walk, and for the vote combinations' blocks too small for the lockstep walk to pay.
    @inline(__always)
    func leaf(from root: Int32, nodes: UnsafeBufferPointer<PackedForest.Node>, features: UnsafePointer<Float>) -> Int32 {
        var index = Int(root)
        while true {
            let node = nodes[index]
            let flags = node.featureAndFlags
            if flags & PackedForest.leafFlag != 0 { return Int32(index) }
            let x = features[Int(flags & PackedForest.featureMask)]
            if x.isNaN {
                index = Int(flags & PackedForest.defaultLeftFlag != 0 ? node.left : node.right)
            } else if flags & PackedForest.categoricalFlag != 0 {
                index = Int(categoryGoesRight(x, node: index) ? node.right : node.left)
            } else {
                index = Int(x < node.value ? node.left : node.right)
            }
        }
    }

    func categoryGoesRight(_ x: Float, node: Int) -> Bool {
        guard x >= 0, x < Float(PackedForest.maxCategory) else { return false }
        let code = Int(x)
        let set = forest.categorySets[Int(forest.categorySetOfNode[node])]
        let word = (code >> 5) - Int(set.firstWord)
        guard word >= 0, word < Int(set.count) else { return false }
        return forest.categoryWords[Int(set.offset) + word] & (1 << UInt32(code & 31)) != 0
    }
}
