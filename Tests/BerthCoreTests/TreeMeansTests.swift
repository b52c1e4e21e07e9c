import Testing
@testable import BerthCore

/// `PackedForest.treeMeans`: each tree's expected leaf value under its covers, the contributions' bias.
@Suite struct TreeMeansTests {
    /// The mean of `node` worked out recursively on the tree as read (not the packed forest), every node's mean
    /// rounded to float32 before its parent reads it, leaves scaled by the tree's weight as packing scales them.
    static func mean(_ tree: DecisionTree, covers: [Float], weight: Float, node: Int = 0) -> Float {
        let left = Int(tree.leftChildren[node]), right = Int(tree.rightChildren[node])
        guard left != -1 else { return tree.values[node] * weight }
        let sum = Double(mean(tree, covers: covers, weight: weight, node: left)) * Double(covers[left])
            + Double(mean(tree, covers: covers, weight: weight, node: right)) * Double(covers[right])
        return Float(sum / Double(covers[node]))
    }

    @Test func eachTreesMeanIsItsRootsUnderTheCovers() throws {
        var trees = (0..<40).map { seed in
            let tree = ForestGatherWalkTests.randomTree(seed: UInt64(seed))
            return DecisionTree(leftChildren: tree.leftChildren, rightChildren: tree.rightChildren, splitFeatures: tree.splitFeatures,
                                values: tree.values, defaultLeft: tree.defaultLeft,
                                covers: tree.leftChildren.indices.map { Float($0 % 7 + 1) })
        }
        // A node no path reaches (xgboost leaves pruned nodes in place) counts for nothing.
        trees.append(DecisionTree(leftChildren: [1, -1, -1, -1], rightChildren: [2, -1, -1, -1], splitFeatures: [0, 0, 0, 0],
                                  values: [0, 1, 2, 1000], defaultLeft: [false, false, false, false], covers: [4, 1, 3, 50]))
        var ensemble = TreeEnsemble(featureCount: 5, groupCount: 2, trees: trees, treeGroups: (0..<41).map { $0 % 2 },
                                    baseMargins: [0, 0], transform: .identity)
        ensemble.treeWeights = (0..<41).map { 0.5 + Float($0 % 3) }
        let means = try PackedForest(ensemble).treeMeans()
        let expected = trees.indices.map { Self.mean(trees[$0], covers: trees[$0].covers!, weight: ensemble.treeWeights[$0]) }
        #expect(means == expected)
        #expect(Set(means).count > 10, "the trees differ, so their means do")
        #expect(means[40] == (1 * 1 + 2 * 3) / 4 * ensemble.treeWeights[40])
    }

    /// The model's cache works the means out once, on the first call, and answers the same from then on.
    @Test func theModelKeepsTheMeansItWorkedOut() throws {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                                values: [0.5, 1, 2], defaultLeft: [false, false, false], covers: [3, 1, 2])
        let forest = try PackedForest(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [tree, tree], treeGroups: [0, 0],
                                                   baseMargins: [0], transform: .identity))
        let cache = ComputedOnce<[Float]>()
        var made = 0
        let first = cache.value { made += 1; return forest.treeMeans() }
        #expect(first == forest.treeMeans() && first == [Float(5.0 / 3.0), Float(5.0 / 3.0)])
        #expect(cache.value { made += 1; return [] } == first && made == 1)
    }

    @Test func aForestWithoutCoversHasNoMeans() throws {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                                values: [0.5, 1, 2], defaultLeft: [false, false, false])
        let forest = try PackedForest(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [tree], treeGroups: [0],
                                                   baseMargins: [0], transform: .identity))
        #expect(forest.treeMeans().isEmpty)
    }
}
