import Testing
@testable import BerthCore

/// The walk a summed forest takes is the fastest measured, or the one `BERTH_TREE_WALK` names where it applies.
@Suite struct TreeWalkChoiceTests {
    /// Seconds per trial, as if measured: a walk missing here must not be timed.
    static func clock(_ seconds: [TreeWalk: Double]) -> (TreeWalk, TreeWalkChoice.Trial) -> Double {
        { walk, trial in
            let time = seconds[walk]!
            return trial == .block ? time * Double(TreeWalkChoice.measuredBlockRows) : time * Double(TreeWalkChoice.measuredSingleRows)
        }
    }

    @Test func theFastestAvailableWalkOfEachKindWins() {
        let available: Set<TreeWalk> = [.compactRows, .compactTrees, .avx2Gathers]
        let choice = TreeWalkChoice.choose(preference: .measured, available: available.contains,
                                           time: Self.clock([.compactRows: 5e-6, .compactTrees: 7e-6, .avx2Gathers: 6e-6]))
        #expect(choice.block == .compactRows)
        #expect(choice.fewRows == .avx2Gathers)
        #expect(choice.walk(rowCount: 1) == .avx2Gathers)
        #expect(choice.walk(rowCount: TreeWalkChoice.blockRows - 1) == .avx2Gathers)
        #expect(choice.walk(rowCount: TreeWalkChoice.blockRows) == .compactRows)
        #expect(choice.reason == "blocks: compact-rows (µs a row: compact-rows 5.0, avx2-gathers 6.0); single rows: avx2-gathers (compact-trees 7.0, avx2-gathers 6.0)")
    }

    /// Walks are timed in turn, round after round; one more than twice as slow as the leader after a warm round is not
    /// timed again, and a first round that is slow (code and caches still cold) rules nothing out.
    @Test func roundsTimeEveryWalkInTurnAndDropTheHopeless() {
        let available: Set<TreeWalk> = [.compactRows, .avx512Gathers, .avx2Gathers, .packedRows]
        var order = [TreeWalk]()
        // compact-rows' first round is cold (4 × its time, over 2 × avx2's); warm, avx2 stays within 2 × of it.
        let measured = TreeWalkChoice.choose(preference: .measured, available: available.contains) { walk, trial in
            if trial == .block { order.append(walk) }
            let firstRound = !order.dropLast().contains(walk)
            let microseconds: Double = switch walk {
            case .compactRows: firstRound ? 20 : 5
            case .avx2Gathers: 7.5
            case .avx512Gathers: 11
            default: 30
            }
            return microseconds * 1e-6 * Double(trial == .block ? TreeWalkChoice.measuredBlockRows : TreeWalkChoice.measuredSingleRows)
        }
        #expect(measured.block == .compactRows)
        // Rounds 1 and 2 time all four; then compact-rows leads at 5, and avx512 (11) and packed-rows (30) are out.
        #expect(order == [.compactRows, .avx512Gathers, .avx2Gathers, .packedRows,
                          .compactRows, .avx512Gathers, .avx2Gathers, .packedRows,
                          .compactRows, .avx2Gathers])
        #expect(measured.reason.hasPrefix("blocks: compact-rows (µs a row: compact-rows 5.0, avx512-gathers 11.0, avx2-gathers 7.5, packed-rows 30.0)"))
    }

    /// Beside the gathers on the compact nodes, the same steps on the packed nodes (twice the size) are not timed.
    @Test func thePackedNodeGathersAreNotTimedBesideTheCompactOnes() {
        let available: Set<TreeWalk> = [.compactRows, .compactTrees, .compactRowsAVX512, .compactTreesAVX512, .compactRowsAVX2,
                                         .compactTreesAVX2, .avx512Gathers, .avx2Gathers]
        let choice = TreeWalkChoice.choose(preference: .measured, available: available.contains,
                                           time: Self.clock([.compactRows: 5e-6, .compactTrees: 7e-6, .compactRowsAVX512: 2.5e-6,
                                                             .compactTreesAVX512: 3e-6, .compactRowsAVX2: 3.5e-6, .compactTreesAVX2: 4e-6]))
        #expect(choice.block == .compactRowsAVX512 && choice.fewRows == .compactTreesAVX512)
        #expect(!choice.reason.contains("avx512-gathers") && !choice.reason.contains("avx2-gathers"))
        // Without a compact form, they are.
        let packed = TreeWalkChoice.choose(preference: .measured, available: [TreeWalk.avx512Gathers, .packedRows, .packedTrees].contains,
                                           time: Self.clock([.avx512Gathers: 4e-6, .packedRows: 9e-6, .packedTrees: 9e-6]))
        #expect(packed.block == .avx512Gathers && packed.fewRows == .avx512Gathers)
    }

    /// A model whose walks take over 5 ms a trial is timed in two rounds, not three, to keep its load short.
    @Test func aVeryLargeModelIsTimedInTwoRounds() {
        var timings = 0
        let choice = TreeWalkChoice.choose(preference: .measured, available: [TreeWalk.compactRows, .compactTrees, .avx2Gathers].contains) { walk, _ in
            timings += 1
            return walk == .avx2Gathers ? 0.008 : 0.006
        }
        #expect(choice.block == .compactRows && choice.fewRows == .compactTrees)
        #expect(timings == 2 * 2 * 2, "two walks of each kind, two rounds each")
    }

    @Test func aNamedWalkServesEveryBlockWhereItApplies() {
        let choice = TreeWalkChoice.choose(preference: .fixed(.compactTrees), available: { _ in true }, time: Self.clock([:]))
        #expect(choice.block == .compactTrees && choice.fewRows == .compactTrees)
        #expect(choice.reason == "compact-trees (BERTH_TREE_WALK)")
    }

    /// Two named walks, the pair a measured load's ready line names: the first for blocks, the second for single rows,
    /// with nothing timed; where either does not apply, both kinds are measured and the line says so.
    @Test func aNamedPairServesBlocksAndSingleRows() {
        var timings = 0
        let pinned = TreeWalkChoice.choose(preference: .pair(block: .compactRowsAVX512, fewRows: .compactTreesAVX2), available: { _ in true }) { _, _ in
            timings += 1
            return 1e-6
        }
        #expect(pinned.block == .compactRowsAVX512 && pinned.fewRows == .compactTreesAVX2 && timings == 0)
        #expect(pinned.reason == "blocks: compact-rows-avx512; single rows: compact-trees-avx2 (BERTH_TREE_WALK)")
        #expect(pinned.walk(rowCount: TreeWalkChoice.blockRows) == .compactRowsAVX512 && pinned.walk(rowCount: 1) == .compactTreesAVX2)
        let available: Set<TreeWalk> = [.compactRows, .compactTrees, .compactRowsAVX512]
        let measured = TreeWalkChoice.choose(preference: .pair(block: .compactRowsAVX512, fewRows: .compactTreesAVX512),
                                             available: available.contains, time: Self.clock([.compactRows: 2e-6, .compactTrees: 3e-6, .compactRowsAVX512: 1e-6]))
        #expect(measured.block == .compactRowsAVX512 && measured.fewRows == .compactTrees)
        #expect(measured.reason.hasSuffix("; BERTH_TREE_WALK=compact-rows-avx512,compact-trees-avx512 is not available for this model on this CPU"))
    }

    @Test func aNamedWalkThatDoesNotApplyIsMeasuredInsteadAndSaysSo() {
        let available: Set<TreeWalk> = [.packedRows, .packedTrees]
        let choice = TreeWalkChoice.choose(preference: .fixed(.avx512Gathers), available: available.contains, time: Self.clock([:]))
        #expect(choice.block == .packedRows && choice.fewRows == .packedTrees)
        #expect(choice.reason.hasSuffix("; BERTH_TREE_WALK=avx512-gathers is not available for this model on this CPU"))
    }

    @Test func aForestWithCategoricalSplitsHasNoChoice() throws {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0], values: [0, 1, 2],
                                defaultLeft: [true, false, false], categories: [0: [1, 3]])
        let model = try CPUTreeEnsembleModel(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [0],
                                                          transform: .identity), parallelism: RowParallelism(threadCount: 1))
        #expect(model.walks == nil && model.compact == nil && model.kernelChoice == nil)
    }

    @Test func aSummedForestIsMeasuredAtLoad() throws {
        let trees = (0..<40).map { ForestGatherWalkTests.randomTree(seed: UInt64($0)) }
        let model = try CPUTreeEnsembleModel(TreeEnsemble(featureCount: 5, groupCount: 1, trees: trees, treeGroups: Array(repeating: 0, count: 40),
                                                          baseMargins: [0], transform: .identity), parallelism: RowParallelism(threadCount: 1))
        let walks = try #require(model.walks)
        // The compact nodes are kept only when a chosen walk reads them.
        #expect((model.compact != nil) == [walks.fewRows, walks.block].contains { $0.readsCompactNodes })
        #expect([TreeWalk.compactRows, .compactRowsAVX512, .compactRowsAVX2, .avx512Gathers, .avx2Gathers].contains(walks.block))
        #expect([TreeWalk.compactTrees, .compactTreesAVX512, .compactTreesAVX2, .avx512Gathers, .avx2Gathers].contains(walks.fewRows))
        #expect(model.kernelChoice?.hasPrefix("blocks: \(walks.block) (µs a row: compact-rows ") == true)
    }

    @Test func aForestWalkedWithGathersOnlyGivesItsCompactNodesBack() throws {
        guard TreeWalk.isAvailable(.avx2Gathers, compact: true, nodeCount: 1) else { return }
        let trees = (0..<8).map { ForestGatherWalkTests.randomTree(seed: UInt64($0)) }
        let ensemble = TreeEnsemble(featureCount: 5, groupCount: 1, trees: trees, treeGroups: Array(repeating: 0, count: 8),
                                    baseMargins: [0], transform: .identity)
        let gathers = try CPUTreeEnsembleModel(ensemble, parallelism: RowParallelism(threadCount: 1), walk: .fixed(.avx2Gathers))
        #expect(gathers.compact == nil)
        let compact = try CPUTreeEnsembleModel(ensemble, parallelism: RowParallelism(threadCount: 1), walk: .fixed(.compactRows))
        #expect(compact.compact != nil)
        #expect(compact.residentBytes > gathers.residentBytes)
    }

    @Test func aModelOfVeryWideRowsIsNotTimed() {
        let available: Set<TreeWalk> = [.compactRows, .compactTrees, .avx512Gathers, .avx2Gathers]
        let choice = TreeWalkChoice.choose(preference: .measured, available: available.contains,
                                           featureCount: TreeWalkChoice.widestMeasuredRows + 1, time: Self.clock([:]))
        #expect(choice.block == .compactRows && choice.fewRows == .compactTrees)
        #expect(choice.reason.contains("not measured: 65537 features"))
    }

    @Test func aHostileFeatureCountLoadsWithoutTimingRowsOfIt() throws {
        // One small tree, but 300 million declared features: rows to time it on would take gigabytes.
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [7, 0, 0], values: [0.5, 1, 2],
                                defaultLeft: [true, false, false])
        let model = try CPUTreeEnsembleModel(TreeEnsemble(featureCount: 300_000_000, groupCount: 1, trees: [tree], treeGroups: [0],
                                                          baseMargins: [0], transform: .identity), parallelism: RowParallelism(threadCount: 1))
        #expect(model.kernelChoice?.contains("not measured") == true)
    }

    @Test func aNodeNoWalkReachesMayNameAFeatureTheRowsLack() throws {
        // Node 3 hangs off nothing and splits on feature 99 of a 2-feature model: found by FuzzXGBoostLegacy, it
        // crashed the rows the walks are timed on.
        let tree = DecisionTree(leftChildren: [1, -1, -1, 4, -1, -1], rightChildren: [2, -1, -1, 5, -1, -1], splitFeatures: [1, 0, 0, 99, 0, 0],
                                values: [0.5, 1, 2, 3, 4, 5], defaultLeft: [true, false, false, false, false, false])
        let model = try CPUTreeEnsembleModel(TreeEnsemble(featureCount: 2, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [0],
                                                          transform: .identity), parallelism: RowParallelism(threadCount: 1))
        #expect(model.walks != nil)
        #expect(model.predict(FeatureBatch(rowCount: 1, columnCount: 2, values: [0, 1])).values == [2])
    }
}
