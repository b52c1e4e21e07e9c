import Glibc
import Testing
@testable import BerthCore

/// Traversal semantics of XGBoost (docs/model-formats.md §2.4) on hand-built trees whose answers follow from the rules.
@Suite struct TreeKernelTests {
    /// feature 0 < 0.5 ? leaf 1 : leaf 2, missing goes to `defaultLeft`.
    func stump(defaultLeft: Bool) -> DecisionTree {
        DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                     values: [0.5, 1, 2], defaultLeft: [defaultLeft, false, false])
    }

    func predict(_ ensemble: TreeEnsemble, _ rows: [[Float]], parallelism: RowParallelism = RowParallelism(threadCount: 1)) throws -> [Float] {
        let model = try CPUBackend(parallelism: parallelism).compile(.trees(ensemble))
        return model.predict(FeatureBatch(rowCount: rows.count, columnCount: ensemble.featureCount, values: rows.flatMap { $0 })).values
    }

    func single(_ tree: DecisionTree, features: Int = 1, base: Float = 0, transform: OutputTransform = .identity) -> TreeEnsemble {
        TreeEnsemble(featureCount: features, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [base], transform: transform)
    }

    @Test func splitIsStrictLessThanInFloat32() throws {
        let answers = try predict(single(stump(defaultLeft: true)), [[0.49999997], [0.5], [0.50000006]])
        #expect(answers == [1, 2, 2])
    }

    @Test func missingFollowsDefaultLeft() throws {
        #expect(try predict(single(stump(defaultLeft: true)), [[.nan]]) == [1])
        #expect(try predict(single(stump(defaultLeft: false)), [[.nan]]) == [2])
    }

    @Test func categoricalListedCodesGoRight() throws {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                                values: [0, 1, 2], defaultLeft: [false, false, false], categories: [0: [1, 4, 40]])
        let answers = try predict(single(tree), [[1], [4], [40], [0], [2], [9], [-1], [1e9], [.nan]])
        #expect(answers == [2, 2, 2, 1, 1, 1, 1, 1, 2])
    }

    /// A set keeps the words from its lowest code's to its highest code's: codes below, between and above route
    /// as in any set, and a set of one high code takes one word.
    @Test func aSetOfHighCodesKeepsItsOwnWordsAlone() throws {
        let largest = Int32(PackedForest.maxCategory - 1)
        let tree = DecisionTree(leftChildren: [1, -1, 3, -1, -1], rightChildren: [2, -1, 4, -1, -1], splitFeatures: [0, 0, 1, 0, 0],
                                values: [0, 1, 0, 3, 4], defaultLeft: [false, false, false, false, false],
                                categories: [0: [40_000, 40_001, 40_100], 2: [largest]])
        let forest = try PackedForest(single(tree, features: 2))
        #expect(forest.categorySets.map(\.firstWord) == [40_000 >> 5, Int32(largest >> 5)])
        #expect(forest.categorySets.map(\.count) == [4, 1])
        let high = Float(largest)
        let answers = try predict(single(tree, features: 2), [
            [40_000, high], [40_001, high - 1], [40_100, 0], [39_999, high], [40_002, high], [40_099, high],
            [40_101, high], [31, high], [0, high], [5e6, high], [-1, high], [.nan, high],
        ])
        // Node 0 sends its codes right, to node 2, which sends `largest` right (4) and anything else left (3).
        #expect(answers == [4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4])
    }

    /// A split's bitset spans its codes: one near 0 and one near `maxCategory` cost 2 MiB, so a model's sets are
    /// bounded in all (`maxCategoryWords`) and the split that would pass the bound is refused, naming its tree.
    @Test func categorySetsAreBoundedInAll() throws {
        let largest = Int32(PackedForest.maxCategory - 1)
        let perSplit = (Int(largest) >> 5) + 1
        let fitting = PackedForest.maxCategoryWords / perSplit
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                                values: [0, 1, 2], defaultLeft: [false, false, false], categories: [0: [0, largest]])
        func ensemble(trees: Int) -> TreeEnsemble {
            TreeEnsemble(featureCount: 1, groupCount: 1, trees: Array(repeating: tree, count: trees),
                         treeGroups: Array(repeating: 0, count: trees), baseMargins: [0], transform: .identity)
        }
        #expect(try PackedForest(ensemble(trees: fitting)).categoryWords.count == fitting * perSplit)
        let error = #expect(throws: ModelValidationError.self) { _ = try PackedForest(ensemble(trees: fitting + 1)) }
        #expect(error?.description.contains("tree \(fitting) takes the model's category sets past 64 MiB") == true, "\(String(describing: error))")
    }

    /// The packed layout: children as absolute indices, leaves pointing at themselves with the tree's weight applied,
    /// categorical splits flagged with their sets in node order; no per-node set index without a categorical split.
    @Test func packsNodesOnceAndFlagsCategoricalSplits() throws {
        let plain = stump(defaultLeft: true)
        let categorical = DecisionTree(leftChildren: [1, -1, 3, -1, -1], rightChildren: [2, -1, 4, -1, -1], splitFeatures: [0, 0, 0, 0, 0],
                                       values: [0, 1, 0, 3, 4], defaultLeft: [false, false, true, false, false],
                                       categories: [2: [5], 0: [1, 40]])
        let unsplit = try PackedForest(TreeEnsemble(featureCount: 1, groupCount: 1, trees: [plain, plain], treeGroups: [0, 0],
                                                    baseMargins: [0], transform: .identity))
        #expect(unsplit.categorySetOfNode.isEmpty && unsplit.categorySets.isEmpty)
        var ensemble = TreeEnsemble(featureCount: 1, groupCount: 1, trees: [plain, categorical], treeGroups: [0, 0],
                                    baseMargins: [0], transform: .identity)
        ensemble.treeWeights = [1, 0.5]
        let forest = try PackedForest(ensemble)
        #expect(forest.roots == [0, 3])
        #expect(forest.nodes.map { $0.left } == [1, 1, 2, 4, 4, 6, 6, 7])
        #expect(forest.nodes.map { $0.right } == [2, 1, 2, 5, 4, 7, 6, 7])
        #expect(forest.nodes.map { $0.value } == [0.5, 1, 2, 0, 0.5, 0, 1.5, 2])
        let flags = forest.nodes.map { $0.featureAndFlags & ~PackedForest.featureMask }
        #expect(flags == [PackedForest.defaultLeftFlag, PackedForest.leafFlag, PackedForest.leafFlag,
                          PackedForest.categoricalFlag, PackedForest.leafFlag, PackedForest.categoricalFlag | PackedForest.defaultLeftFlag,
                          PackedForest.leafFlag, PackedForest.leafFlag])
        #expect(forest.categorySetOfNode == [-1, -1, -1, 0, -1, 1, -1, -1])
        #expect(forest.categorySets.map { $0.count } == [2, 1])
        #expect(forest.categoryWords == [1 << 1, 1 << 8, 1 << 5])
        #expect(forest.hasCategorical == [false, true])
    }

    /// The compiled tree model hands its packed forest to another backend (the GPU's uploads it rather than packing
    /// the trees again): the forest packing the ensemble gives, node for node.
    @Test func theCompiledModelProvidesItsPackedForest() throws {
        var trees = (0..<20).map { ForestGatherWalkTests.randomTree(seed: UInt64($0) &* 17) }
        for tree in trees.indices { trees[tree].covers = (0..<trees[tree].nodeCount).map { Float($0 + 1) } }
        trees[3].categories = [0: [1, 3]]
        let ensemble = TreeEnsemble(featureCount: 5, groupCount: 1, trees: trees, treeGroups: Array(repeating: 0, count: 20),
                                    baseMargins: [0], transform: .identity)
        let compiled = try CPUBackend(parallelism: RowParallelism(threadCount: 2, minimumParallelWork: 0)).compile(.trees(ensemble))
        let provided = try #require((compiled as? any PackedForestProviding)?.packedForest)
        let packed = try PackedForest(ensemble)
        #expect(provided.nodes.map { [$0.featureAndFlags, $0.value.bitPattern, UInt32(bitPattern: $0.left), UInt32(bitPattern: $0.right)] }
            == packed.nodes.map { [$0.featureAndFlags, $0.value.bitPattern, UInt32(bitPattern: $0.left), UInt32(bitPattern: $0.right)] })
        #expect(provided.roots == packed.roots && provided.groups == packed.groups && provided.depths == packed.depths)
        #expect(provided.covers == packed.covers && !provided.covers.isEmpty)
        #expect(provided.hasCategorical == packed.hasCategorical && provided.hasCategorical.contains(true))
        #expect(provided.categorySetOfNode == packed.categorySetOfNode && provided.categorySets.map { [$0.offset, $0.firstWord, $0.count] } == packed.categorySets.map { [$0.offset, $0.firstWord, $0.count] }
                && provided.categoryWords == packed.categoryWords)
    }

    /// Trees checked and packed on four threads give the forest one thread gives, and a refusal names the same
    /// tree: the first at fault, whether its group or its nodes are wrong.
    @Test func packingOnThreadsIsPackingOnOne() throws {
        let trees = (0..<40).map { ForestGatherWalkTests.randomTree(seed: UInt64($0) &* 31) }
        var ensemble = TreeEnsemble(featureCount: 5, groupCount: 2, trees: trees, treeGroups: (0..<40).map { $0 % 2 },
                                    baseMargins: [0, 0], transform: .identity)
        ensemble.treeWeights = (0..<40).map { 1 + Float($0 % 3) / 4 }
        let threads = RowParallelism(threadCount: 4, minimumParallelWork: 0)
        let one = try PackedForest(ensemble), four = try PackedForest(ensemble, parallelism: threads)
        #expect(one.nodes.map { [$0.featureAndFlags, $0.value.bitPattern, UInt32(bitPattern: $0.left), UInt32(bitPattern: $0.right)] }
            == four.nodes.map { [$0.featureAndFlags, $0.value.bitPattern, UInt32(bitPattern: $0.left), UInt32(bitPattern: $0.right)] })
        #expect(one.roots == four.roots && one.groups == four.groups && one.depths == four.depths)
        #expect(one.depths.contains { $0 > 1 })

        func refusal(_ ensemble: TreeEnsemble) -> String? {
            do {
                _ = try PackedForest(ensemble, parallelism: threads)
                return nil
            } catch {
                return error.reason
            }
        }
        func outOfRangeFeature(_ tree: Int, in ensemble: inout TreeEnsemble) {
            ensemble.trees[tree].splitFeatures[0] = 99
        }
        var twoBadTrees = ensemble
        outOfRangeFeature(33, in: &twoBadTrees)
        outOfRangeFeature(7, in: &twoBadTrees)
        #expect(refusal(twoBadTrees) == "tree 7 node 0 splits on feature 99, but the model has 5")
        // A bad tree in every chunk: chunks past the earliest refusal stop, and the earliest is still the one named.
        var badTreeInEveryChunk = ensemble
        for tree in [38, 25, 15, 2, 9] { outOfRangeFeature(tree, in: &badTreeInEveryChunk) }
        #expect(refusal(badTreeInEveryChunk) == "tree 2 node 0 splits on feature 99, but the model has 5")
        var groupFirst = twoBadTrees
        groupFirst.treeGroups[3] = 5
        #expect(refusal(groupFirst) == "tree 3 adds to output group 5, but the model has 2")
        var nodesFirst = twoBadTrees
        nodesFirst.treeGroups[20] = 5
        #expect(refusal(nodesFirst) == "tree 7 node 0 splits on feature 99, but the model has 5")
    }

    @Test func baseMarginTreeWeightsAndTransform() throws {
        var ensemble = single(stump(defaultLeft: true), base: 0.25, transform: .sigmoid)
        ensemble.trees.append(.leaf(-1))
        ensemble.treeGroups.append(0)
        ensemble.treeWeights = [0.5, 2]
        // margin = 0.25 + 0.5·1 + 2·(-1) = -1.25
        let expected = 1 / (1 + expf(1.25))
        #expect(try predict(ensemble, [[0]]) == [expected])
    }

    @Test func groupsAndSoftmax() throws {
        let ensemble = TreeEnsemble(featureCount: 1, groupCount: 2, trees: [.leaf(1), .leaf(3)], treeGroups: [0, 1],
                                    baseMargins: [0, 0], transform: .softmax)
        let answers = try predict(ensemble, [[0]])
        #expect(abs(answers[0] - 1 / (1 + expf(2))) < 1e-7)
        #expect(abs(answers[0] + answers[1] - 1) < 1e-6)
        var argmax = ensemble
        argmax.transform = .argmax
        #expect(try predict(argmax, [[0]]) == [1])
    }

    @Test func parallelRowsGiveTheSameAnswers() throws {
        var trees = [DecisionTree]()
        for index in 0..<50 {
            trees.append(DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [Int32(index % 4), 0, 0],
                                      values: [Float(index % 7) / 7 - 0.5, Float(index), -Float(index)], defaultLeft: [index % 2 == 0, false, false]))
        }
        let ensemble = TreeEnsemble(featureCount: 4, groupCount: 1, trees: trees, treeGroups: Array(repeating: 0, count: 50),
                                    baseMargins: [0], transform: .identity)
        let rows: [[Float]] = (0..<3000).map { row in
            (0..<4).map { column -> Float in
                if row % 11 == column { return .nan }
                let step = (row * 7 + column * 13) % 100
                return Float(step) / 100 - 0.5
            }
        }
        let serial = try predict(ensemble, rows)
        let parallel = try predict(ensemble, rows, parallelism: RowParallelism(threadCount: 4, minimumParallelWork: 0, splitsOnlyWhenCoresAreFree: false))
        #expect(serial == parallel)
    }

    @Test func linearModelSkipsMissingFeatures() throws {
        let model = LinearModel(featureCount: 2, groupCount: 1, weights: [2, 3], biases: [1], baseMargins: [0.5], transform: .identity)
        let compiled = try CPUBackend().compile(.linear(model))
        let answers = compiled.predict(FeatureBatch(rowCount: 2, columnCount: 2, values: [1, 1, .nan, 2])).values
        #expect(answers == [6.5, 7.5])
    }
}
