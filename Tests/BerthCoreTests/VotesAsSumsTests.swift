import Testing
@testable import BerthCore

/// ONNX's sum of votes walks as a plain sum (the C walks) where the two give the same bits: every leaf votes, every
/// output has a tree and the base margins are +0, and every leaf is finite (`TreeEnsemble.votesAreAPlainSum`; the ONNX
/// reader then marks the ensemble `.sum`).
@Suite struct VotesAsSumsTests {
    /// 60 random trees over 3 outputs; the third output's leaves are all -0, so its votes add up to a zero whose sign
    /// depends on the order of the additions.
    static func votingForest() -> TreeEnsemble {
        var trees = [DecisionTree]()
        for index in 0..<60 {
            var tree = ForestGatherWalkTests.randomTree(seed: UInt64(index))
            if index % 3 == 2 {
                for node in tree.values.indices where tree.leftChildren[node] < 0 { tree.values[node] = -0.0 }
            }
            trees.append(tree)
        }
        var ensemble = TreeEnsemble(featureCount: 5, groupCount: 3, trees: trees, treeGroups: (0..<60).map { $0 % 3 },
                                    baseMargins: [0, 0, 0], transform: .identity)
        ensemble.combination = .sumOfVotes
        return ensemble
    }

    @Test func votesThatAreSumsWalkAsSumsWithTheVotesBits() throws {
        let ensemble = Self.votingForest()
        // The same forest with one more tree that never votes (its only leaf is NaN) keeps the votes' own walk.
        var abstaining = ensemble
        abstaining.trees.append(.leaf(.nan))
        abstaining.treeGroups.append(1)
        abstaining.treeWeights.append(1)
        let voted = try CPUTreeEnsembleModel(abstaining, parallelism: RowParallelism(threadCount: 1))
        #expect(!abstaining.votesAreAPlainSum)
        #expect(voted.combination == .sumOfVotes && voted.walks == nil)
        #expect(ensemble.votesAreAPlainSum)
        var asSum = ensemble
        asSum.combination = .sum
        // Every walk this CPU has (one that is not falls back to the measured choice).
        for preference in [TreeWalkPreference.measured] + TreeWalk.allCases.map({ .fixed($0) }) {
            let summed = try CPUTreeEnsembleModel(asSum, parallelism: RowParallelism(threadCount: 1), walk: preference)
            #expect(summed.combination == .sum && summed.walks != nil)
            for rows in [1, 3, 8, 64, 131] {
                let batch = FeatureBatch(rowCount: rows, columnCount: 5, values: CompactForestTests.rows(rows, seed: UInt64(rows)))
                let sums = summed.predict(batch, transform: .identity).values
                let votes = voted.predict(batch, transform: .identity).values
                #expect(sums.map(\.bitPattern) == votes.map(\.bitPattern), "\(preference), \(rows) rows")
                #expect(stride(from: 2, to: votes.count, by: 3).allSatisfy { votes[$0].bitPattern == 0 }, "the -0 output adds up to +0")
            }
        }
    }

    @Test func votesStayVotesWhereASumWouldDiffer() {
        var nonzeroBase = Self.votingForest()
        nonzeroBase.baseMargins[1] = 0.5
        var negativeZeroBase = Self.votingForest()
        negativeZeroBase.baseMargins[0] = -0.0
        var outputWithoutTrees = Self.votingForest()
        outputWithoutTrees.treeGroups = outputWithoutTrees.treeGroups.map { $0 == 2 ? 1 : $0 }
        let leaf = Self.votingForest().trees[7].leftChildren.firstIndex(of: -1)!
        var abstainingLeaf = Self.votingForest()
        abstainingLeaf.trees[7].values[leaf] = .nan
        // +inf and -inf votes make a NaN that the next vote replaces; a sum stays NaN.
        var infiniteLeaf = Self.votingForest()
        infiniteLeaf.trees[7].values[leaf] = .infinity
        var overflowingWeight = Self.votingForest()
        overflowingWeight.trees[7].values[leaf] = 1e30
        overflowingWeight.treeWeights[7] = 1e30
        for ensemble in [nonzeroBase, negativeZeroBase, outputWithoutTrees, abstainingLeaf, infiniteLeaf, overflowingWeight] {
            #expect(!ensemble.votesAreAPlainSum)
        }
        #expect(Self.votingForest().votesAreAPlainSum)
        var minimum = Self.votingForest()
        minimum.combination = .minimum
        #expect(!minimum.votesAreAPlainSum)
    }
}
