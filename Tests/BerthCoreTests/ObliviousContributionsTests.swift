import BerthTestSupport
import Testing
@testable import BerthCore

/// A CatBoost oblivious forest's contributions are summed in chunks of trees, so a batch too small to split by rows
/// splits by chunks: every row still gets, bit for bit, what it gets in any batch and on any number of threads.
/// (Their values are checked against CatBoost's own in `ExplanationFixtureTests`.)
@Suite struct ObliviousContributionsTests {
    /// `trees` random trees of depth 1 to 5 over 6 features, with leaf weights, some of them 0.
    static func forest(trees: Int, outputs: Int) -> ObliviousForest {
        var generator = SplitMix(seed: 3)
        func uniform() -> Double { Double(generator.next() >> 11) / Double(1 << 53) }
        let built = (0..<trees).map { _ in
            let depth = 1 + Int(generator.next() % 5)
            let splits = (0..<depth).map { _ in
                let feature = Int32(generator.next() % 6)
                // CatBoost decides a missing value per feature: the even ones' splits hold.
                return ObliviousTree.Split(feature: feature, border: Float(uniform() * 2 - 1), missingHolds: feature % 2 == 0)
            }
            return ObliviousTree(splits: splits, leafValues: (0..<(outputs << depth)).map { _ in uniform() - 0.5 },
                                 leafWeights: (0..<(1 << depth)).map { _ in uniform() < 0.1 ? 0 : Double(1 + generator.next() % 50) })
        }
        return ObliviousForest(featureCount: 6, outputCount: outputs, trees: built, scale: 1, biases: Array(repeating: 0.25, count: outputs),
                               transform: .identity)
    }

    static func rows(_ count: Int) -> FeatureBatch {
        var generator = SplitMix(seed: 9)
        let values = (0..<count * 6).map { _ in generator.next() % 9 == 0 ? Float.nan : Float(Double(generator.next() >> 11) / Double(1 << 53) * 2 - 1) }
        return FeatureBatch(rowCount: count, columnCount: 6, values: values)
    }

    @Test(arguments: [1, 3])
    func smallBatchesSplitByChunksAndKeepEveryRowsBits(outputs: Int) throws {
        let forest = Self.forest(trees: 5 * CPUObliviousForestModel.contributionChunkTrees + 7, outputs: outputs)
        let oneThread = try CPUBackend(parallelism: RowParallelism(threadCount: 1)).compile(.obliviousTrees(forest))
        let split = try CPUBackend(parallelism: RowParallelism(threadCount: 2, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false))
            .compile(.obliviousTrees(forest))
        let batch = Self.rows(600)
        let whole = try oneThread.explain(batch, as: .contributions)
        let margins = try oneThread.explain(batch, as: .margin)
        for count in [1, 2, 5] {
            for start in stride(from: 0, to: 40, by: count) {
                let values = Array(batch.values[start * 6 ..< (start + count) * 6])
                let small = try split.explain(FeatureBatch(rowCount: count, columnCount: 6, values: values), as: .contributions)
                for row in 0..<count {
                    #expect(Array(small.row(row)) == Array(whole.row(start + row)), "\(count) rows from \(start), row \(row)")
                }
            }
        }
        // They still add up to the margin, output by output.
        for row in 0..<40 {
            for output in 0..<outputs {
                let sum = Array(whole.row(row))[output * 7 ..< (output + 1) * 7].reduce(0, +), margin = margins.values[row * outputs + output]
                #expect(abs(sum - margin) <= 1e-9 * (1 + abs(margin)), "row \(row) output \(output): \(sum) vs \(margin)")
            }
        }
    }

    /// Within its limit, a thread keeps every tree's walked leaves for the whole call, so a leaf is walked once however
    /// many blocks reach it; past it, one set of slots is shared and a leaf is walked again once another tree has
    /// taken them. Either way each leaf answers what its walk wrote.
    @Test func walkedLeavesAreKeptForTheCallWithinTheLimit() {
        let forest = Self.forest(trees: 3, outputs: 2)
        for (limit, expectedWalks) in [(Int.max, 4), (0, 10)] {
            var cache = WalkedLeaves(forest, trees: 0..<3, columnCounts: { _ in 2 }, limit: limit)
            var walks = 0
            // Four distinct leaves of output 1 (one of them twice), each after `start` as a block's tree starts; then
            // all of it again. Kept: four walks. Shared: every `start` forgets, so each asks for a walk.
            for _ in 0..<2 {
                for (tree, leaf) in [(0, 0), (0, 0), (1, 1), (2, 0), (1, 0)] {
                    let start = cache.start(tree: tree, output: 1, leafCount: 1 << forest.trees[tree].splits.count)
                    let first = cache.values(of: leaf, start: start, columns: 2) { values in
                        walks += 1
                        values[0] = Double(tree * 10 + leaf)
                        values[1] = -Double(tree * 10 + leaf)
                    }
                    #expect(cache.values[first] == Double(tree * 10 + leaf) && cache.values[first + 1] == -Double(tree * 10 + leaf))
                }
            }
            #expect(walks == expectedWalks, "limit \(limit)")
        }
    }
}
