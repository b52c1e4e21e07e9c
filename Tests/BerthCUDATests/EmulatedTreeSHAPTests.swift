import BerthCore
import BerthFormats
import BerthTestSupport
import MetricsTestKit
import Testing
@testable import BerthCUDA

/// XGBoost contributions on the GPU against `EmulatedCUDADriver`, which runs the real TreeSHAP kernel source
/// (`CUDAKernelSource.treeSHAP`) thread by thread, its blocks on several OS threads: every XGBoost fixture with trees
/// must give the CPU model's contributions (within 1e-9·(1 + |value|): the atomic adds land in any order) and
/// xgboost's own (`expected/explanations.json`, within 1e-5 + 1e-5·|value|, as `ExplanationFixtureTests` holds the
/// CPU); a path that splits on a feature again, categorical splits and missing values must be explained alike; a
/// launch the driver refuses must end on the CPU, counted; and paths larger than the kernel takes must stay on the
/// CPU (`TreeSHAPPaths`). Not a GPU result: `GPUModelTests` checks the real device.
@Suite struct EmulatedTreeSHAPTests {
    /// `ExplanationFixtureTests`' XGBoost fixtures with trees (gblinear has none).
    static let fixtures = [
        "xgboost-binary-legacy", "xgboost-binary-selectable", "xgboost-dart", "xgboost-missing-categorical",
        "xgboost-multiclass-ubjson", "xgboost-regression-json-gz", "xgboost-softmax-selectable",
    ]

    typealias Reports = EmulatedGPUTests.Reports

    func backend(_ mode: EmulatedCUDADriver.Mode, routing: CUDABackend.Routing = .everyBatch, reports: Reports = Reports(),
                 metrics: TestMetrics = TestMetrics()) throws -> CUDABackend {
        try EmulatedGPUTests().backend(mode, routing: routing, reports: reports, metrics: metrics)
    }

    /// The forest of an XGBoost fixture.
    static func ensemble(_ fixture: String) throws -> TreeEnsemble {
        guard case .trees(let ensemble) = try FixtureModels.load(fixture).ir else { throw ModelValidationError("\(fixture) is no forest") }
        return ensemble
    }

    /// The GPU model behind a routed model, with its TreeSHAP.
    func gpuModel(_ model: any CompiledModel) throws -> CUDATreeEnsembleModel {
        let routed = try #require(model as? DeviceRoutedModel, "\(model.placement)")
        return try #require(routed.gpu as? CUDATreeEnsembleModel)
    }

    /// Records the first of `got`'s values farther from `want`'s than `tolerance(want)`, and how many are.
    func expectClose(_ got: [Double], _ want: [Double], _ label: String, tolerance: (Double) -> Double) {
        #expect(got.count == want.count, "\(label): \(got.count) values, \(want.count) expected")
        let wrong = zip(got, want).enumerated().filter { !(abs($0.element.0 - $0.element.1) <= tolerance($0.element.1)) }
        #expect(wrong.isEmpty, "\(label): \(wrong.count) values differ, first at \(wrong.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
    }

    func expectCPUs(_ got: Explanations, _ want: Explanations, _ label: String) {
        #expect(got.rowCount == want.rowCount && got.groupCount == want.groupCount && got.width == want.width, "\(label)")
        expectClose(got.values, want.values, label) { 1e-9 * (1 + abs($0)) }
    }

    @Test(arguments: fixtures)
    func contributionsAreTheCPUsAndXGBoosts(_ fixture: String) throws {
        let reports = Reports()
        let model = try FixtureModels.load(fixture)
        let onGPU = try backend(.working, reports: reports).compile(model.ir)
        #expect(try gpuModel(onGPU).shap != nil, "\(fixture) has its TreeSHAP on the GPU")
        let cpu = try CPUBackend().compile(model.ir)
        let expected = try ExplanationFixture(fixture, featureCount: model.ir.featureCount)
        let xgboost = try #require(expected.answers[.contributions] ?? nil)
        let got = try onGPU.explain(expected.batch, as: .contributions)
        expectCPUs(got, try cpu.explain(expected.batch, as: .contributions), "\(fixture), its rows")
        expectClose(got.values, xgboost, "\(fixture) against xgboost") { 1e-5 + 1e-5 * abs($0) }
        // Rows on and around every threshold, with missing values.
        let rows = try FixtureModels.rows(for: model.ir, rowCount: 300)
        expectCPUs(try onGPU.explain(rows, as: .contributions), try cpu.explain(rows, as: .contributions), "\(fixture), 300 rows")
        #expect(try onGPU.explain(expected.batch, as: .leaves) == cpu.explain(expected.batch, as: .leaves), "leaves are the CPU's")
        #expect(reports.all.isEmpty, "\(reports.all)")
    }

    /// A batch larger than a run's share of device memory goes in several runs through one lane.
    @Test func aBatchGoesInRunsThatFitTheBudget() throws {
        let gpu = try backend(.working)
        let ensemble = try Self.ensemble("xgboost-softmax-selectable")
        let forest = try PackedForest(ensemble)
        let valuesPerRow = ensemble.groupCount * (ensemble.featureCount + 1)
        let shap = try CUDATreeSHAP(paths: try TreeSHAPPaths(forest), packed: forest, forest: try DevicePackedForest(forest, device: gpu.device),
                                    featureCount: ensemble.featureCount, baseMargins: ensemble.baseMargins, module: try gpu.modules.module(.treeSHAP),
                                    lanes: gpu.lanes, phiBudgetBytes: 7 * valuesPerRow * 8)
        #expect(shap.rowsPerRun == 7)
        let rows = try FixtureModels.rows(for: .trees(ensemble), rowCount: 50)
        expectCPUs(try shap.contributions(rows), try CPUBackend().compile(.trees(ensemble)).explain(rows, as: .contributions), "runs of 7 rows")
        #expect(try shap.contributions(FixtureModels.prefix(rows, rows: 0)).values.isEmpty)
    }

    /// Feature 0 split on twice down one path, numerical then categorical splits on feature 2 under it, every
    /// direction with and without missing values: merged elements (two conditions, zero fractions multiplied) give
    /// the CPU recursion's contributions, which unwinds instead.
    @Test func aPathThatSplitsOnAFeatureAgainIsMerged() throws {
        //        0: f0 < 0.5 (100)
        //       /                 \
        //   1: f1 < 0.3 (60)      2: leaf 3 (40)
        //   /             \
        // 3: f0 < 0.2 (45) 4: f2 in {1, 3} right (15)
        //  /       \          /     \
        // 5: -1 (30) 6: 2 (15) 7: 0.5 (5) 8: -4 (10)
        let tree = DecisionTree(leftChildren: [1, 3, -1, 5, 7, -1, -1, -1, -1], rightChildren: [2, 4, -1, 6, 8, -1, -1, -1, -1],
                                splitFeatures: [0, 1, 0, 0, 2, 0, 0, 0, 0], values: [0.5, 0.3, 3, 0.2, 0, -1, 2, 0.5, -4],
                                defaultLeft: [false, true, false, true, false, false, false, false, false], categories: [4: [1, 3]],
                                covers: [100, 60, 40, 45, 15, 30, 15, 5, 10])
        let stump = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [2, 0, 0],
                                 values: [1.5, 0.25, -0.75], defaultLeft: [true, false, false], covers: [100, 70, 30])
        let ensemble = TreeEnsemble(featureCount: 3, groupCount: 1, trees: [tree, stump, .leaf(0.125).covered(by: [100])],
                                    treeGroups: [0, 0, 0], baseMargins: [0.5], transform: .identity)
        let forest = try PackedForest(ensemble)
        let paths = try TreeSHAPPaths(forest)
        // Leaf 5's path: the root's element, f0 (nodes 0 and 3, both left), f1 (node 1, left).
        #expect(paths.pathCount == 7, "five leaves of the tree and two of the stump; the single leaf has no path")
        #expect(Array(paths.elementFeatures[0..<3]) == [-1, 0, 1])
        #expect(Array(paths.conditionStarts[0...3]) == [0, 0, 2, 3])
        #expect(Array(paths.conditions[0..<3]) == [0, 3, 1])
        #expect(paths.elementZeros[1] == 30.0 / 45 * (60.0 / 100))
        #expect(paths.elementZeros[2] == 45.0 / 60)
        // Leaf 6: node 3 taken to the right, `~3`.
        #expect(Array(paths.conditions[3..<6]) == [0, ~3, 1])

        var values = [Float]()
        for f0: Float in [0.1, 0.3, 0.7, .nan] {
            for f1: Float in [0.1, 0.5, .nan] {
                for f2: Float in [0, 1, 2, 3, 40, -1, .nan] { values += [f0, f1, f2] }
            }
        }
        let batch = FeatureBatch(rowCount: values.count / 3, columnCount: 3, values: values)
        let reports = Reports()
        let onGPU = try backend(.working, reports: reports).compile(.trees(ensemble))
        let cpu = try CPUBackend().compile(.trees(ensemble))
        expectCPUs(try onGPU.explain(batch, as: .contributions), try cpu.explain(batch, as: .contributions), "repeated feature")
        #expect(reports.all.isEmpty, "\(reports.all)")
    }

    /// The fixtures' own deep trees split on a feature again along some paths, so the fixture comparisons above
    /// cover merged elements too.
    @Test func theFixturesHavePathsThatSplitOnAFeatureAgain() throws {
        var merged = 0
        for fixture in Self.fixtures {
            let paths = try TreeSHAPPaths(try PackedForest(try Self.ensemble(fixture)))
            merged += zip(paths.conditionStarts, paths.conditionStarts.dropFirst()).filter { $1 - $0 > 1 }.count
        }
        #expect(merged > 0)
    }

    /// A chain of `features` splits, each on a feature of its own, with covers.
    static func chain(features: Int) -> TreeEnsemble {
        var left = [Int32](), right = [Int32](), splitFeatures = [Int32](), values = [Float](), covers = [Float]()
        for split in 0..<features {
            // Node 2·split splits on feature `split`; its right child, node 2·split + 1, is a leaf.
            left += [Int32(2 * split + 2), -1]
            right += [Int32(2 * split + 1), -1]
            splitFeatures += [Int32(split), 0]
            values += [0.5, Float(split)]
            covers += [Float(10 * (features - split + 1)), 10]
        }
        left.append(-1)
        right.append(-1)
        splitFeatures.append(0)
        values.append(-1)
        covers.append(10)
        let tree = DecisionTree(leftChildren: left, rightChildren: right, splitFeatures: splitFeatures, values: values,
                                defaultLeft: [Bool](repeating: true, count: left.count), covers: covers)
        return TreeEnsemble(featureCount: features, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [0], transform: .identity)
    }

    @Test func aPathOfMoreElementsThanTheKernelHoldsIsRefused() throws {
        let longest = try TreeSHAPPaths(try PackedForest(Self.chain(features: TreeSHAPPaths.maxPathLength - 1)))
        #expect(zip(longest.pathStarts, longest.pathStarts.dropFirst()).map { $1 - $0 }.max() == Int32(TreeSHAPPaths.maxPathLength))
        #expect(throws: TreeSHAPPaths.Refusal(reason: "a path of tree 0 splits on more than 31 distinct features")) {
            try TreeSHAPPaths(try PackedForest(Self.chain(features: TreeSHAPPaths.maxPathLength)))
        }
    }

    @Test func pathsOfMoreConditionsThanTheLimitAreRefused() throws {
        let forest = try PackedForest(try Self.ensemble("xgboost-multiclass-ubjson"))
        let count = try TreeSHAPPaths(forest).conditions.count
        #expect(try TreeSHAPPaths(forest, limits: .init(maxConditions: count)).conditions.count == count)
        #expect(throws: TreeSHAPPaths.Refusal(reason: "its TreeSHAP paths hold more than \(count - 1) split conditions")) {
            try TreeSHAPPaths(forest, limits: .init(maxConditions: count - 1))
        }
    }

    /// A model whose paths the kernel does not take predicts on the GPU and explains on the CPU, saying so once, when
    /// contributions are first asked for (its paths are not extracted at load); that is no failure, so no fallback is
    /// counted.
    @Test func aModelWhosePathsAreRefusedIsExplainedOnTheCPU() throws {
        let reports = Reports(), metrics = TestMetrics()
        let ensemble = Self.chain(features: TreeSHAPPaths.maxPathLength)
        let onGPU = try backend(.working, reports: reports, metrics: metrics).compile(.trees(ensemble))
        let batch = FeatureBatch(rowCount: 4, columnCount: ensemble.featureCount, values: SyntheticRows.uniform(count: 4 * ensemble.featureCount))
        _ = onGPU.predict(batch)
        #expect(try onGPU.explain(batch, as: .leaves).rowCount == 4)
        #expect(reports.all.isEmpty, "nothing is said before contributions are asked for: \(reports.all)")
        let cpu = try CPUBackend().compile(.trees(ensemble))
        #expect(try onGPU.explain(batch, as: .contributions) == cpu.explain(batch, as: .contributions))
        #expect(try onGPU.explain(batch, as: .contributions) == cpu.explain(batch, as: .contributions))
        #expect(try gpuModel(onGPU).shap == nil)
        #expect(reports.all == ["the model's contributions are computed on the CPU: a path of tree 0 splits on more than 31 distinct features"])
        #expect(try metrics.expectCounter("berth_gpu_fallbacks_total", [("kernel", "tree_shap")]).totalValue == 0)
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cpu")]).totalValue == 2)
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue == 1)
    }

    /// Routed by size, contributions of a batch below the GPU's rows are the CPU's and build nothing on the device:
    /// a model whose paths are refused says so only when a batch large enough for the GPU first asks.
    @Test func contributionsBelowTheCrossoverBuildNothingOnTheDevice() throws {
        let reports = Reports(), metrics = TestMetrics()
        let ensemble = Self.chain(features: TreeSHAPPaths.maxPathLength)
        let onGPU = try backend(.working, routing: .fromRows(100), reports: reports, metrics: metrics).compile(.trees(ensemble))
        let cpu = try CPUBackend().compile(.trees(ensemble))
        for rows in [1, 99, 100, 300] {
            let batch = FeatureBatch(rowCount: rows, columnCount: ensemble.featureCount,
                                     values: SyntheticRows.uniform(count: rows * ensemble.featureCount))
            #expect(try onGPU.explain(batch, as: .contributions) == cpu.explain(batch, as: .contributions), "\(rows) rows")
            #expect(reports.all.count == (rows < 100 ? 0 : 1), "\(rows) rows: \(reports.all)")
        }
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cpu")]).totalValue == 4)
    }

    @Test func aLaunchTheDriverRefusesIsExplainedOnTheCPUAndCounted() throws {
        let reports = Reports(), metrics = TestMetrics()
        let model = try FixtureModels.load("xgboost-missing-categorical")
        let onGPU = try backend(.launchRefused, reports: reports, metrics: metrics).compile(model.ir)
        let batch = try ExplanationFixture("xgboost-missing-categorical", featureCount: model.ir.featureCount).batch
        #expect(try onGPU.explain(batch, as: .contributions) == CPUBackend().compile(model.ir).explain(batch, as: .contributions))
        #expect(try metrics.expectCounter("berth_gpu_fallbacks_total", [("kernel", "tree_shap")]).totalValue == 1)
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue == 1)
        #expect(reports.all.contains {
            $0.hasPrefix("the GPU failed the contributions of a batch; they were computed on the CPU: cuLaunchKernel failed: CUDA_ERROR_NOT_SUPPORTED")
        }, "\(reports.all)")
    }
}

extension DecisionTree {
    /// The tree with `covers`.
    func covered(by covers: [Float]) -> DecisionTree {
        var tree = self
        tree.covers = covers
        return tree
    }
}
