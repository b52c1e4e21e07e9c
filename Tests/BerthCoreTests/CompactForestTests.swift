import CBerthKernels
import Testing
@testable import BerthCore

/// The C walks on the compact nodes (`CompactForest`) must add the leaves XGBoost's rule reaches — left when
/// x < threshold in float32, NaN by the default-left flag — in tree order, for any number of rows and trees.
@Suite struct CompactForestTests {
    static let grid: [Float] = [-1.25, -1, -0.5, -0.25, 0, 0.25, 0.5, 0.75, 1, 1.0000001, .nan, .infinity, -.infinity]

    static func rows(_ count: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<count * 5).map { _ in
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return grid[Int(state >> 33) % grid.count]
        }
    }

    /// The sums the rule gives, tree by tree in order, each tree adding to `groupOfTree(tree)`.
    static func expectedSums(_ forest: PackedForest, rows: [Float], groups: Int) -> [Float] {
        let rowCount = rows.count / 5
        var sums = [Float](repeating: 0.5, count: rowCount * groups)
        for row in 0..<rowCount {
            let values = Array(rows[row * 5 ..< row * 5 + 5])
            for tree in forest.roots.indices {
                let leaf = ForestGatherWalkTests.leaf(forest, root: forest.roots[tree], row: values)
                sums[row * groups + Int(forest.groups[tree])] += forest.nodes[Int(leaf)].value
            }
        }
        return sums
    }

    /// A random forest whose trees add to `groups` outputs in turn, with single-leaf trees among them, and trees with
    /// a node no split reaches (which leaves an unused slot at the end of its compact tree).
    static func forest(trees: Int, groups: Int, seed: UInt64) throws -> PackedForest {
        let random = try ForestGatherWalkTests.randomForest(trees: trees, seed: seed)
        var ensembleTrees = [DecisionTree]()
        for tree in random.roots.indices {
            if tree % 7 == 3 {
                ensembleTrees.append(DecisionTree(leftChildren: [-1], rightChildren: [-1], splitFeatures: [0], values: [Float(tree) / 8], defaultLeft: [false]))
            } else if tree % 7 == 5 {
                ensembleTrees.append(DecisionTree(leftChildren: [3, -1, -1, -1], rightChildren: [2, -1, -1, -1], splitFeatures: [1, 0, 0, 0],
                                                  values: [0.25, 9, Float(tree) / 4, -Float(tree) / 8], defaultLeft: [true, false, false, false]))
            } else {
                ensembleTrees.append(ForestGatherWalkTests.randomTree(seed: seed &+ UInt64(tree)))
            }
        }
        return try PackedForest(TreeEnsemble(featureCount: 5, groupCount: groups, trees: ensembleTrees,
                                             treeGroups: (0..<trees).map { $0 % groups }, baseMargins: Array(repeating: 0, count: groups),
                                             transform: .identity))
    }

    /// Built on one thread or four (each tree into its own slots), the same walks.
    @Test(arguments: [(1, 1), (9, 1), (64, 1), (30, 3), (150, 1), (130, 4)], [1, 4])
    func theWalksAddTheLeavesTheRuleReaches(shape: (trees: Int, groups: Int), threads: Int) throws {
        let (trees, groups) = shape
        let packed = try Self.forest(trees: trees, groups: groups, seed: UInt64(trees * 31 + groups))
        let compact = try #require(CompactForest(packed, groupCount: groups,
                                                 parallelism: RowParallelism(threadCount: threads, minimumParallelWork: 0)))
        for rowCount in [1, 2, 7, 8, 9, 16, 17, 23, 33, 64, 65, 100] {
            let rows = Self.rows(rowCount, seed: UInt64(rowCount))
            let expected = Self.expectedSums(packed, rows: rows, groups: groups)
            var byRows = [Float](repeating: 0.5, count: rowCount * groups)
            rows.withUnsafeBufferPointer { compact.sumRows($0.baseAddress!, stride: 5, rowCount: rowCount, margins: &byRows) }
            #expect(byRows == expected, "compact rows, \(trees) trees, \(rowCount) rows")
            // The gather walks of the same rows, called directly (the forest's methods fall back to the plain walks),
            // where this CPU has them (AVX2, AVX-512).
            for instructionSet in Int32(1)...Int32(2) where berth_forest_walk_isa() >= instructionSet {
                var byGathers = [Float](repeating: 0.5, count: rowCount * groups)
                var byTreeGathers = [Float](repeating: 0.5, count: rowCount * groups)
                var results = [Int32]()
                withUnsafePointer(to: compact.forest) { forest in
                    rows.withUnsafeBufferPointer { values in
                        results.append(berth_compact_forest_sum_rows_using(instructionSet, forest, values.baseAddress, 5, rowCount, &byGathers))
                        byTreeGathers.withUnsafeMutableBufferPointer { margins in
                            for row in 0..<rowCount {
                                results.append(berth_compact_forest_sum_row_using(instructionSet, forest, values.baseAddress! + row * 5,
                                                                                  margins.baseAddress! + row * groups))
                            }
                        }
                    }
                }
                #expect(results.allSatisfy { $0 == 0 }, "instruction set \(instructionSet) walked every call")
                #expect(byGathers == expected, "compact rows by gathers (instruction set \(instructionSet)), \(trees) trees, \(rowCount) rows")
                #expect(byTreeGathers == expected, "compact trees by gathers (instruction set \(instructionSet)), \(trees) trees, \(rowCount) rows")
            }
            var byTrees = [Float](repeating: 0.5, count: rowCount * groups)
            rows.withUnsafeBufferPointer { values in
                byTrees.withUnsafeMutableBufferPointer { margins in
                    for row in 0..<rowCount { compact.sumRow(values.baseAddress! + row * 5, margins: margins.baseAddress! + row * groups) }
                }
            }
            #expect(byTrees == expected, "compact trees, \(trees) trees, \(rowCount) rows")
        }
    }

    @Test func forestsItCannotHoldHaveNoCompactForm() throws {
        // A split on feature 32,768: past the 15 bits a compact node keeps.
        let wide = try PackedForest(TreeEnsemble(
            featureCount: 40_000, groupCount: 1,
            trees: [DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [32_768, 0, 0], values: [0, 1, 2], defaultLeft: [true, false, false])],
            treeGroups: [0], baseMargins: [0], transform: .identity))
        #expect(CompactForest(wide, groupCount: 1) == nil)
        let narrow = try PackedForest(TreeEnsemble(
            featureCount: 40_000, groupCount: 1,
            trees: [DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [32_767, 0, 0], values: [0, 1, 2], defaultLeft: [true, false, false])],
            treeGroups: [0], baseMargins: [0], transform: .identity))
        #expect(CompactForest(narrow, groupCount: 1) != nil)
        // A full tree of depth 16 (131,071 nodes): past the 16-bit slots.
        let count = (1 << 17) - 1
        let splits = (1 << 16) - 1
        let left = (0..<count).map { $0 < splits ? Int32(2 * $0 + 1) : -1 }
        let right = (0..<count).map { $0 < splits ? Int32(2 * $0 + 2) : -1 }
        let deep = try PackedForest(TreeEnsemble(
            featureCount: 1, groupCount: 1,
            trees: [DecisionTree(leftChildren: left, rightChildren: right, splitFeatures: Array(repeating: 0, count: count),
                                 values: Array(repeating: 0, count: count), defaultLeft: Array(repeating: false, count: count))],
            treeGroups: [0], baseMargins: [0], transform: .identity))
        #expect(CompactForest(deep, groupCount: 1) == nil)
    }
}
