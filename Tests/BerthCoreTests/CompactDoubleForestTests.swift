import CBerthKernels
import Testing
@testable import BerthCore

/// LightGBM's trees walked in C on compact double nodes must add exactly what the Swift walker adds — every missing
/// type, default way, categorical and linear trees (left to the Swift walker) in between — bit for bit, in tree order.
@Suite struct CompactDoubleForestTests {
    static let grid: [Double] = [-2, -1, -0.5, 0, -0.0, 0.25, 0.5, 0.5.nextUp, 1, 1.5, .nan, .infinity, -.infinity, 3]
    static let rules: [DoubleSplitRule] = [
        DoubleSplitRule(isCategorical: false, missing: .none, defaultLeft: false), DoubleSplitRule(isCategorical: false, missing: .none, defaultLeft: true),
        DoubleSplitRule(isCategorical: false, missing: .zero, defaultLeft: false), DoubleSplitRule(isCategorical: false, missing: .zero, defaultLeft: true),
        DoubleSplitRule(isCategorical: false, missing: .nan, defaultLeft: false), DoubleSplitRule(isCategorical: false, missing: .nan, defaultLeft: true),
    ]

    /// A random tree over 4 features (thresholds on the grid), categorical splits in some, linear leaves in others.
    static func tree(seed: UInt64, categorical: Bool, linear: Bool, rules choices: [DoubleSplitRule] = rules) -> DoubleTree {
        var state = seed
        func next(_ bound: Int) -> Int {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            return Int(state >> 33) % bound
        }
        var features = [Int32](), thresholds = [Double](), left = [Int32](), right = [Int32](), rules = [DoubleSplitRule]()
        var bitsets = [Int: [UInt32]](), leaves = [Double]()
        func grow(_ depth: Int) -> Int32 {
            if depth == 7 || (depth > 0 && next(4) == 0) {
                leaves.append(Double(next(1000)) / 64 - 7)
                return ~Int32(leaves.count - 1)
            }
            let split = features.count
            features.append(Int32(next(4)))
            thresholds.append([-1, -0.5, 0, 0.5, 1, 1.5][next(6)])
            left.append(0); right.append(0)
            if categorical && next(3) == 0 {
                rules.append(DoubleSplitRule(isCategorical: true, missing: .none, defaultLeft: false))
                bitsets[split] = [UInt32(next(16))]
            } else {
                rules.append(choices[next(choices.count)])
            }
            left[split] = grow(depth + 1)
            right[split] = grow(depth + 1)
            return Int32(split)
        }
        _ = grow(0)
        let linearLeaves = linear ? leaves.map { _ in DoubleTree.LinearLeaf(constant: 0.25, features: [Int32(next(4))], coefficients: [0.5]) } : nil
        return DoubleTree(splitFeatures: features, thresholds: thresholds, leftChildren: left, rightChildren: right, rules: rules,
                          categoryBitsets: bitsets, leafValues: leaves, linearLeaves: linearLeaves)
    }

    static func margins(_ packed: PackedDoubleForest, compact: CompactDoubleForest?, rows: [Double], groups: Int) -> [Double] {
        let rowCount = rows.count / 4
        var margins = [Double](repeating: 0, count: rowCount * groups)
        packed.withWalker { walker in
            rows.withUnsafeBufferPointer { rows in
                margins.withUnsafeMutableBufferPointer { margins in
                    walker.addMargins(rows: rows.baseAddress!, rowCount: rowCount, featureCount: 4, margins: margins.baseAddress!, compact: compact)
                }
            }
        }
        return margins
    }

    /// With a split where zero is missing the many-row walk takes the three-case step; without one (LightGBM's
    /// default), the two-case step.
    @Test(arguments: [1, 3], [true, false])
    func theCompactWalksAddWhatTheSwiftWalkerAdds(groups: Int, missingZeros: Bool) throws {
        // Trees 5 and 6 have categorical splits, tree 11 linear leaves: the runs around them are compact.
        let rules = missingZeros ? Self.rules : Self.rules.filter { $0.missing != .zero }
        let trees = (0..<24).map { Self.tree(seed: UInt64($0 * 7 + groups), categorical: $0 == 5 || $0 == 6, linear: $0 == 11, rules: rules) }
        let forest = DoubleForest(featureCount: 4, groupCount: groups, trees: trees, averagesIterations: false, transform: .identity)
        let packed = try PackedDoubleForest(forest)
        // Every walk this kernel has, fixed for single rows and blocks alike (the gather walks where this CPU has
        // their instructions; elsewhere a walk that is not available is measured instead).
        let isa = berth_forest_walk_isa()
        for walk in [TreeWalk.compactRows, .compactRowsAVX512, .compactRowsAVX2, .compactTrees, .compactTreesAVX512, .compactTreesAVX2] {
            let gathers = walk.compactGatherInstructionSet != nil
            let canGather = walk.compactGatherInstructionSet.map { $0 <= isa } ?? false
            let compact = try #require(CompactDoubleForest(packed, featureCount: 4, walk: .fixed(walk)))
            #expect(compact.hasMissingZeros == missingZeros)
            #expect(compact.runEnd(from: 0) == 5 && compact.runEnd(from: 5) == 5 && compact.runEnd(from: 7) == 11 && compact.runEnd(from: 12) == 24)
            if !gathers || canGather {
                #expect(compact.walks.fewRows == walk && compact.walks.block == walk)
                #expect(compact.walks.reason == "\(walk) (BERTH_TREE_WALK)")
            } else {
                #expect(compact.walks.reason.hasSuffix("; BERTH_TREE_WALK=\(walk) is not available for this model on this CPU"))
            }
            if gathers && canGather {
                // The gather walks themselves run (`addMargins` would fall back to the plain walks if they refused).
                var margins = [Double](repeating: 0, count: 64 * groups)
                let rows = [Double](repeating: 0.5, count: 64 * 4)
                let results = withUnsafePointer(to: compact.forest) {
                    [berth_compact_double_sum_rows_using(walk.compactGatherInstructionSet!, $0, 0, 5, rows, 4, 64, &margins),
                     berth_compact_double_sum_row_using(walk.compactGatherInstructionSet!, $0, 0, 5, rows, &margins)]
                }
                #expect(results == [0, 0])
            }
            var state: UInt64 = 11
            for rowCount in [1, 2, 3, 7, 8, 9, 16, 31, 33, 47, 48, 50, 64, 65, 97, 100, 130] {
                let rows = (0..<rowCount * 4).map { _ in
                    state = state &* 6364136223846793005 &+ 1442695040888963407
                    return Self.grid[Int(state >> 33) % Self.grid.count]
                }
                let swift = Self.margins(packed, compact: nil, rows: rows, groups: groups)
                let c = Self.margins(packed, compact: compact, rows: rows, groups: groups)
                #expect(c.map(\.bitPattern) == swift.map(\.bitPattern),
                        "\(rowCount) rows, \(groups) groups, missing zeros: \(missingZeros), \(walk)")
            }
        }
        // The pair a measured load names, pinned: blocks and single rows each take theirs.
        let pair = try #require(CompactDoubleForest(packed, featureCount: 4, walk: .pair(block: .compactRows, fewRows: .compactTrees)))
        #expect(pair.walks.block == .compactRows && pair.walks.fewRows == .compactTrees)
        #expect(pair.walks.reason == "blocks: compact-rows; single rows: compact-trees (BERTH_TREE_WALK)")
        // A walk this kernel lacks is measured, and the ready line says so.
        let lacking = try #require(CompactDoubleForest(packed, featureCount: 4, walk: .fixed(.packedRows)))
        #expect(lacking.walks.reason.hasSuffix("; BERTH_TREE_WALK=packed-rows is not available for this model on this CPU"))
        // Measured at load: the ready line names what won and the µs a row of each walk, where there was a choice.
        let measured = try #require(CompactDoubleForest(packed, featureCount: 4))
        let reason = measured.walks.reason
        #expect(reason.hasPrefix("blocks: compact-rows") && reason.contains("; single rows: compact-trees"), "\(reason)")
        #expect(reason.contains("compact-rows-avx512 ") == (isa >= 2) && reason.contains("compact-trees-avx512 ") == (isa >= 2), "\(reason)")
        #expect(reason.contains("compact-rows-avx2 ") == (isa >= 1) && reason.contains("compact-trees-avx2 ") == (isa >= 1), "\(reason)")
        #expect(reason.contains("the only walk here") == (isa == 0), "\(reason)")
    }

    /// `BERTH_TREE_WALK` reaches the double kernel through the CPU backend, and the ready line's `tree_walk` says so.
    @Test func theCPUBackendFixesTheDoubleKernelsWalk() throws {
        let trees = (0..<8).map { Self.tree(seed: UInt64($0), categorical: false, linear: false, rules: Self.rules) }
        let forest = DoubleForest(featureCount: 4, groupCount: 1, trees: trees, averagesIterations: false, transform: .identity)
        let model = try CPUBackend(treeWalk: .fixed(.compactTrees)).compile(.doubleTrees(forest))
        #expect(model.kernelChoice == "compact-trees (BERTH_TREE_WALK)")
    }

    /// Trees checked on several threads give the depths one thread gives, and the lowest bad tree is the one named.
    @Test func treesCheckedOnSeveralThreadsNameTheLowestBadTree() throws {
        let threads = RowParallelism(threadCount: 3, minimumParallelWork: 0)
        var trees = (0..<9).map { Self.tree(seed: UInt64($0), categorical: $0 == 4, linear: $0 == 5) }
        let good = DoubleForest(featureCount: 4, groupCount: 1, trees: trees, averagesIterations: false, transform: .identity)
        #expect(try PackedDoubleForest(good, parallelism: threads).depths == PackedDoubleForest(good).depths)
        let bad = DoubleTree(splitFeatures: [7], thresholds: [0], leftChildren: [~0], rightChildren: [~1], rules: [Self.rules[0]],
                             categoryBitsets: [:], leafValues: [1, 2], linearLeaves: nil)
        for badTrees in [[2, 7], [1, 4, 8], [8]] {
            for index in badTrees { trees[index] = bad }
            let forest = DoubleForest(featureCount: 4, groupCount: 1, trees: trees, averagesIterations: false, transform: .identity)
            let error = #expect(throws: ModelValidationError.self) { try PackedDoubleForest(forest, parallelism: threads) }
            #expect(error?.description.contains("tree \(badTrees[0]) splits on feature 7") == true, "\(error?.description ?? "")")
            trees = (0..<9).map { Self.tree(seed: UInt64($0), categorical: $0 == 4, linear: $0 == 5) }
        }
    }

    @Test func aForestOfCategoricalTreesOnlyHasNoCompactForm() throws {
        let forest = DoubleForest(featureCount: 4, groupCount: 1, trees: [Self.tree(seed: 3, categorical: true, linear: true)],
                                  averagesIterations: false, transform: .identity)
        #expect(CompactDoubleForest(try PackedDoubleForest(forest), featureCount: 4) == nil)
    }
}
