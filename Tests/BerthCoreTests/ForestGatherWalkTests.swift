import CBerthKernels
import Testing
@testable import BerthCore

/// The vector-gather walk (`berth_forest_walk_row`, AVX-512 and AVX2) must reach the leaf XGBoost's rule reaches —
/// left when x < threshold in float32, NaN by the default-left flag — for every tree count a call can take.
@Suite struct ForestGatherWalkTests {
    /// Random trees up to depth 8 over 5 features, thresholds on a coarse grid the rows also hit exactly.
    static func randomForest(trees: Int, seed: UInt64) throws -> PackedForest {
        try PackedForest(TreeEnsemble(featureCount: 5, groupCount: 1, trees: (0..<trees).map { randomTree(seed: seed &* 977 &+ UInt64($0)) },
                                      treeGroups: Array(repeating: 0, count: trees), baseMargins: [0], transform: .identity))
    }

    /// One random tree of `randomForest`'s kind.
    static func randomTree(seed: UInt64) -> DecisionTree {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % bound
        }
        var left = [Int32](), right = [Int32](), features = [Int32](), values = [Float](), defaults = [Bool]()
        func grow(_ depth: Int) -> Int32 {
            let index = Int32(left.count)
            left.append(-1); right.append(-1); features.append(0); values.append(Float(next(1000)) / 10); defaults.append(false)
            if depth < 8 && next(5) != 0 {
                features[Int(index)] = Int32(next(5))
                values[Int(index)] = Float(next(9) - 4) / 4
                defaults[Int(index)] = next(2) == 0
                let l = grow(depth + 1)
                let r = grow(depth + 1)
                left[Int(index)] = l
                right[Int(index)] = r
            }
            return index
        }
        _ = grow(0)
        return DecisionTree(leftChildren: left, rightChildren: right, splitFeatures: features, values: values, defaultLeft: defaults)
    }

    /// The rule, one node at a time.
    static func leaf(_ forest: PackedForest, root: Int32, row: [Float]) -> Int32 {
        var index = Int(root)
        while forest.nodes[index].featureAndFlags & PackedForest.leafFlag == 0 {
            let node = forest.nodes[index]
            let x = row[Int(node.featureAndFlags & PackedForest.featureMask)]
            let left = x.isNaN ? node.featureAndFlags & PackedForest.defaultLeftFlag != 0 : x < node.value
            index = Int(left ? node.left : node.right)
        }
        return Int32(index)
    }

    /// Whether this CPU runs the walk with `isa` (1 AVX2, 2 AVX-512).
    static func cpuWalks(_ isa: Int32) -> Bool {
        var index: Int32 = 0
        let leaf = [PackedForest.Node(featureAndFlags: PackedForest.leafFlag, value: 0, left: 0, right: 0)]
        return leaf.withUnsafeBytes { berth_forest_walk_row_using(isa, $0.baseAddress, [0], &index, 1, 0) == 0 }
    }

    @Test(.enabled(if: cpuWalks(1), "this CPU lacks AVX2"))
    func theAVX2WalkReachesTheLeafTheRuleReaches() throws {
        try expectWalkReachesTheLeafTheRuleReaches(isa: 1)
    }

    @Test(.enabled(if: cpuWalks(2), "this CPU lacks AVX-512"))
    func theAVX512WalkReachesTheLeafTheRuleReaches() throws {
        try expectWalkReachesTheLeafTheRuleReaches(isa: 2)
    }

    func expectWalkReachesTheLeafTheRuleReaches(isa: Int32) throws {
        let forest = try Self.randomForest(trees: 64, seed: UInt64(7 + isa))
        let grid: [Float] = [-1.25, -1, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.0000001, .nan, .infinity, -.infinity]
        var seed: UInt64 = 3
        for rowNumber in 0..<200 {
            let row: [Float] = (0..<5).map { _ in
                seed = seed &* 6364136223846793005 &+ 1442695040888963407
                return grid[Int(seed >> 33) % grid.count]
            }
            let count = rowNumber % Int(BERTH_FOREST_WALK_MAX_TREES) + 1
            let first = rowNumber % (forest.roots.count - count + 1)
            var indices = Array(forest.roots[first..<first + count])
            let depth = Int(forest.depths[first..<first + count].max()!)
            let status = forest.nodes.withUnsafeBytes { nodes in
                berth_forest_walk_row_using(isa, nodes.baseAddress, row, &indices, count, depth)
            }
            #expect(status == 0)
            let expected = forest.roots[first..<first + count].map { Self.leaf(forest, root: $0, row: row) }
            #expect(indices == expected, "row \(row), trees \(first)..<\(first + count)")
            if indices != expected { return }
        }
    }

    @Test func refusesMoreTreesThanOneCallTakes() throws {
        let forest = try Self.randomForest(trees: 1, seed: 1)
        var indices = [Int32](repeating: 0, count: Int(BERTH_FOREST_WALK_MAX_TREES) + 1)
        let status = forest.nodes.withUnsafeBytes { nodes in
            berth_forest_walk_row(nodes.baseAddress, [0, 0, 0, 0, 0], &indices, Int(BERTH_FOREST_WALK_MAX_TREES) + 1, 1)
        }
        #expect(status == -1)
    }
}
