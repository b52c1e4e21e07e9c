import BerthCore
import BerthFormats
import BerthTestSupport
import MetricsTestKit
import Testing
@testable import BerthCUDA

/// The parts of the GPU backend that run on the host: the node layouts the kernels read, routing by batch size,
/// and the synthetic rows the crossover is measured on.
@Suite struct RoutingTests {
    /// feature 0 < threshold ? left : right, as a one-tree ensemble.
    func stump(threshold: Float, left: Float, right: Float) -> TreeEnsemble {
        let tree = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [0, 0, 0],
                                values: [threshold, left, right], defaultLeft: [true, false, false])
        return TreeEnsemble(featureCount: 2, groupCount: 1, trees: [tree], treeGroups: [0], baseMargins: [0], transform: .identity)
    }

    @Test func nodesAreTheSixteenBytesTheKernelLoadsAsUint4() {
        #expect(MemoryLayout<PackedForest.Node>.stride == 16)
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.featureAndFlags) == 0)
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.value) == 4)
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.left) == 8)
        #expect(MemoryLayout<PackedForest.Node>.offset(of: \.right) == 12)
    }

    /// The double forest kernel reads `PackedDoubleForest.splits` as `struct berth_double_split`.
    @Test func doubleSplitsAreTheTwentyFourBytesTheKernelDeclares() {
        #expect(MemoryLayout<PackedDoubleSplit>.stride == 24)
        #expect(MemoryLayout<PackedDoubleSplit>.offset(of: \.threshold) == 0)
        #expect(MemoryLayout<PackedDoubleSplit>.offset(of: \.feature) == 8)
        #expect(MemoryLayout<PackedDoubleSplit>.offset(of: \.left) == 12)
        #expect(MemoryLayout<PackedDoubleSplit>.offset(of: \.right) == 16)
        #expect(MemoryLayout<PackedDoubleSplit>.offset(of: \.flags) == 20)
    }

    /// An oblivious split is the kernel's `uint2`: the feature with the missing-value flag above it, then the border.
    @Test func obliviousSplitsPackTheFeatureTheFlagAndTheBorder() {
        let tree = ObliviousTree(splits: [.init(feature: 3, border: 0.5, missingHolds: true), .init(feature: 1, border: -2, missingHolds: false)],
                                 leafValues: [0, 1, 2, 3])
        let forest = ObliviousForest(featureCount: 4, outputCount: 1, trees: [tree], scale: 1, biases: [0], transform: .identity)
        #expect(MemoryLayout<SIMD2<UInt32>>.stride == 8)
        #expect(CUDAObliviousForestModel.packedSplits(forest) == [SIMD2(3 | 1 << 31, Float(0.5).bitPattern), SIMD2(1, Float(-2).bitPattern)])
    }

    @Test func batchesFromTheThresholdGoToTheSecondModel() throws {
        let small = try CPUBackend().compile(.trees(stump(threshold: 0.5, left: 1, right: 1)))
        let large = try CPUBackend().compile(.trees(stump(threshold: 0.5, left: 2, right: 2)))
        let routed = DeviceRoutedModel(cpu: small, gpu: large, minimumRows: 4, origin: "test")
        #expect(routed.predict(FeatureBatch(rowCount: 3, columnCount: 2, values: [Float](repeating: 0, count: 6))).values == [1, 1, 1])
        #expect(routed.predict(FeatureBatch(rowCount: 4, columnCount: 2, values: [Float](repeating: 0, count: 8))).values == [2, 2, 2, 2])
        #expect(routed.placement == .routed(minimumRows: 4, reason: "test"))
        #expect(routed.placement.description == "cuda for batches of 4 rows or more, cpu below (test)")
        #expect(DeviceRoutedModel(cpu: small, gpu: large, minimumRows: 1, origin: "BERTH_DEVICE=cuda").placement.description
                == "cuda (every batch; BERTH_DEVICE=cuda)")
        let never = DeviceRoutedModel(cpu: small, gpu: large, minimumRows: Int.max, origin: "slower")
        #expect(never.predict(FeatureBatch(rowCount: 100_000, columnCount: 2, values: [Float](repeating: 0, count: 200_000))).values.allSatisfy { $0 == 1 })
        #expect(never.placement.description == "cpu (slower)")
    }

    /// Joining requests is the default for a model (or a graph's kernel) with every batch on the GPU (one launch
    /// instead of one each), and not for one routed by size (single requests on the CPU, joined ones at the GPU's
    /// latency).
    @Test func batchingIsTheDefaultOnlyWhereEveryBatchGoesToTheGPU() throws {
        let trees = try CPUBackend().compile(.trees(stump(threshold: 0.5, left: 1, right: 2)))
        #expect(!trees.gainsFromJoinedCalls)
        #expect(DeviceRoutedModel(cpu: trees, gpu: trees, minimumRows: 1, origin: "BERTH_DEVICE=cuda").gainsFromJoinedCalls)
        #expect(!DeviceRoutedModel(cpu: trees, gpu: trees, minimumRows: 16, origin: "measured").gainsFromJoinedCalls)
        #expect(!DeviceRoutedModel(cpu: trees, gpu: trees, minimumRows: Int.max, origin: "slower").gainsFromJoinedCalls)
        // A graph with dense layers: on, on with every layer on the GPU or none, off with layers routed by size.
        let loaded = try FixtureModels.load("onnx-mlp-gemm")
        func graph(minimumRows: Int) throws -> any CompiledModel {
            var backend = CPUBackend()
            backend.deviceKernels.dense = { weights in
                let layer = CPUBackend().denseLayer(weights)
                return DeviceRoutedDenseLayer(cpu: layer, gpu: layer, minimumRows: minimumRows, origin: "test")
            }
            return try backend.compile(loaded.ir)
        }
        #expect(try CPUBackend().compile(loaded.ir).gainsFromJoinedCalls)
        #expect(try graph(minimumRows: 1).gainsFromJoinedCalls)
        #expect(try graph(minimumRows: Int.max).gainsFromJoinedCalls)
        #expect(try !graph(minimumRows: 16).gainsFromJoinedCalls)
        // A graph with a forest and no dense layer: on only with the forest's every batch on the GPU.
        let forestGraph = try FixtureModels.load("onnx-random-forest-multiclass")
        func forest(minimumRows: Int) throws -> any CompiledModel {
            var backend = CPUBackend()
            backend.deviceKernels.trees = { ensemble throws(ModelValidationError) in
                let forest = try CPUBackend().compile(.trees(ensemble))
                return DeviceRoutedModel(cpu: forest, gpu: forest, minimumRows: minimumRows, origin: "test")
            }
            return try backend.compile(forestGraph.ir)
        }
        #expect(try !CPUBackend().compile(forestGraph.ir).gainsFromJoinedCalls)
        #expect(try forest(minimumRows: 1).gainsFromJoinedCalls)
        #expect(try !forest(minimumRows: 16).gainsFromJoinedCalls)
    }

    /// Contributions go by batch size like predictions where the GPU model computes them; leaves and margins are
    /// always the CPU model's, and so are every batch's contributions where the GPU model would hand them back.
    @Test func contributionsFromTheThresholdGoToTheSecondModel() throws {
        func covered(_ ensemble: TreeEnsemble) -> TreeEnsemble {
            var ensemble = ensemble
            ensemble.trees[0].covers = [10, 5, 5]
            return ensemble
        }
        let small = try CPUBackend().compile(.trees(covered(stump(threshold: 0.5, left: 1, right: 3))))
        let large = try CPUBackend().compile(.trees(covered(stump(threshold: 0.5, left: 2, right: 6))))
        let metrics = TestMetrics()
        let routed = DeviceRoutedModel(cpu: small, gpu: large, minimumRows: 4, origin: "test", gpuComputesContributions: { true },
                                       metrics: DeviceMetrics(factory: metrics))
        func batch(_ rows: Int) -> FeatureBatch { FeatureBatch(rowCount: rows, columnCount: 2, values: [Float](repeating: 0, count: 2 * rows)) }
        // Feature 0 is below the threshold: each row's contribution is (left − mean) = −1 or −2, the bias 2 or 4.
        #expect(try routed.explain(batch(3), as: .contributions).values == [Double](repeating: 0, count: 3).flatMap { _ in [-1, 0, 2] })
        #expect(try routed.explain(batch(4), as: .contributions).values == [Double](repeating: 0, count: 4).flatMap { _ in [-2, 0, 4] })
        #expect(try routed.explain(batch(4), as: .margin).values == [1, 1, 1, 1])
        #expect(try routed.explain(batch(4), as: .leaves) == small.explain(batch(4), as: .leaves))
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue == 1)
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cpu")]).totalValue == 1)
        // A GPU model that explains on the CPU (LightGBM's, CatBoost's): every batch to the CPU model, counted there.
        let cpuOnly = DeviceRoutedModel(cpu: small, gpu: large, minimumRows: 4, origin: "test", metrics: DeviceMetrics(factory: metrics))
        #expect(try cpuOnly.explain(batch(4), as: .contributions).values == [Double](repeating: 0, count: 4).flatMap { _ in [-1, 0, 2] })
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue == 1)
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cpu")]).totalValue == 2)
    }

    @Test func syntheticRowsStraddleTheModelsThresholdsAndRepeat() throws {
        let forest = try PackedForest(stump(threshold: 0.5, left: 1, right: 2))
        let rows = SyntheticRows(forest: forest, featureCount: 2)
        let batch = rows.batch(rowCount: 200)
        let firstFeature = stride(from: 0, to: batch.values.count, by: 2).map { batch.values[$0] }
        #expect(Set(firstFeature) == [0.499, 0.501])
        // Feature 1 is never split on: it stays 0.
        #expect(stride(from: 1, to: batch.values.count, by: 2).allSatisfy { batch.values[$0] == 0 })
        #expect(rows.batch(rowCount: 200).values == batch.values)
        #expect(batch.doubles == nil, "an XGBoost forest compares float32")
    }

    /// LightGBM's rows straddle its double thresholds and carry the doubles; the router says what both devices read.
    @Test func aDoubleForestsRowsCarryDoublesAndItsRoutingSaysSo() throws {
        let stump = DoubleTree(splitFeatures: [1], thresholds: [0.25], leftChildren: [-1], rightChildren: [-2],
                               rules: [DoubleSplitRule(isCategorical: false, missing: .nan, defaultLeft: true)], leafValues: [1, 2])
        let forest = DoubleForest(featureCount: 2, groupCount: 1, trees: [stump], averagesIterations: false, transform: .identity)
        let batch = SyntheticRows(forest: try PackedDoubleForest(forest), featureCount: 2).batch(rowCount: 100)
        let doubles = try #require(batch.doubles)
        #expect(batch.values == doubles.map { Float($0) })
        let secondFeature = Set(stride(from: 1, to: doubles.count, by: 2).map { doubles[$0] })
        #expect(secondFeature == [0.25 - 0.001, 0.25 + 0.001])
        let model = try CPUBackend().compile(.doubleTrees(forest))
        let routed = DeviceRoutedModel(cpu: model, gpu: model, minimumRows: 1, origin: "test")
        #expect(routed.featurePrecision == .float64 && routed.outputPrecision == .float64)
        #expect(routed.predict(batch).doubles == model.predict(batch).doubles)
    }

    /// The seam the GPU backend uses for ONNX forests: the graph's TreeEnsemble node takes its forest from
    /// `deviceKernels.trees`, and the rest of the graph (aggregation, post transform, labels) is unchanged.
    @Test func anONNXGraphsForestGoesThroughTheTreeCompiler() throws {
        let loaded = try FixtureModels.load("onnx-random-forest-multiclass")
        var routed = CPUBackend()
        routed.deviceKernels.trees = { ensemble throws(ModelValidationError) in
            let forest = try CPUBackend().compile(.trees(ensemble))
            return DeviceRoutedModel(cpu: forest, gpu: forest, minimumRows: 1, origin: "test")
        }
        let plain = try CPUBackend().compile(loaded.ir)
        let viaCompiler = try routed.compile(loaded.ir)
        #expect(plain.placement == .cpu)
        #expect(viaCompiler.placement == .graph(offloaded: [.init(kind: .treeEnsemble, placement: .routed(minimumRows: 1, reason: "test"))]))
        #expect(viaCompiler.placement.description == "cpu, tree ensemble on cuda (every batch; test)")
        let batch = FeatureBatch(rowCount: 3, columnCount: plain.featureCount,
                                 values: (0..<(3 * plain.featureCount)).map { Float($0 % 7) - 3 })
        #expect(viaCompiler.predict(batch).values == plain.predict(batch).values)
    }

    /// The same seam for dense layers: Gemm, MatMul and linear models take their multiplication from
    /// `deviceKernels.dense`.
    @Test func anONNXGraphsDenseLayersGoThroughTheDenseCompiler() throws {
        let loaded = try FixtureModels.load("onnx-mlp-gemm")
        var routed = CPUBackend()
        routed.deviceKernels.dense = { weights in
            let layer = CPUBackend().denseLayer(weights)
            return DeviceRoutedDenseLayer(cpu: layer, gpu: layer, minimumRows: 1, origin: "test")
        }
        let plain = try CPUBackend().compile(loaded.ir)
        let viaCompiler = try routed.compile(loaded.ir)
        #expect(viaCompiler.placement.description.hasPrefix("cpu, dense layer on cuda (every batch; test)"))
        let batch = FeatureBatch(rowCount: 5, columnCount: plain.featureCount, values: SyntheticRows.uniform(count: 5 * plain.featureCount))
        #expect(viaCompiler.predict(batch).values == plain.predict(batch).values)
    }
}
