import BerthCore
import BerthFormats
import BerthTestSupport
import MetricsTestKit
import NIOConcurrencyHelpers
import Testing
@testable import BerthCUDA

/// The GPU path against `EmulatedCUDADriver`, a stand-in for libcuda.so.1 that runs Berth's real kernel sources
/// on the CPU: binding, uploads, lanes, chunks over two streams, launch arguments and read-back must give
/// the CPU kernel's answers, and every failure the driver can report must end on the CPU with its reason (or, under
/// `BERTH_DEVICE=cuda`, in a refusal). Kernels are compiled by the real NVRTC. This is not a GPU result: the real
/// check is `scripts/gpu-check` on a GPU machine.
@Suite struct EmulatedGPUTests {
    /// Lines the backend reports, collected for the assertions.
    final class Reports: Sendable {
        private let lines = NIOLockedValueBox<[String]>([])
        func add(_ line: String) { lines.withLockedValue { $0.append(line) } }
        var all: [String] { lines.withLockedValue { $0 } }
    }

    func backend(_ mode: EmulatedCUDADriver.Mode, routing: CUDABackend.Routing = .everyBatch, reports: Reports = Reports(),
                 environment: [String: String] = ["TMPDIR": "/tmp"], metrics: TestMetrics = TestMetrics()) throws -> CUDABackend {
        try CUDABackend(cpu: CPUBackend(), routing: routing, driverPath: try EmulatedCUDADriver.path(mode),
                        nvrtcPath: try NVRTCLocation.open().path, environment: environment, metrics: metrics, report: { reports.add($0) })
    }

    /// Kernel calls are counted by the device that ran them, and calls the GPU failed as fallbacks.
    @Test func kernelCallsAreCountedByDeviceAndFallbacksByKernel() throws {
        let metrics = TestMetrics()
        let model = try FixtureModels.load("onnx-mlp-gemm")
        let routed = try backend(.working, routing: .fromRows(100), metrics: metrics).compile(model.ir)
        for rows in [1, 99, 100, 500] {
            _ = routed.predict(FeatureBatch(rowCount: rows, columnCount: model.ir.featureCount,
                                            values: SyntheticRows.uniform(count: rows * model.ir.featureCount)))
        }
        let layers = Int64(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue / 2)
        #expect(layers > 0, "the MLP's dense layers were routed")
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cpu")]).totalValue == 2 * layers)
        #expect(try metrics.expectCounter("berth_gpu_fallbacks_total", [("kernel", "dense_layer")]).totalValue == 0)

        let refused = TestMetrics()
        let failing = try backend(.launchRefused, metrics: refused)
        for fixture in ["xgboost-binary-legacy", "lightgbm-binary", "catboost-binary"] {
            let forest = try FixtureModels.load(fixture)
            _ = try failing.compile(forest.ir).predict(FixtureModels.prefix(try FixtureModels.rows(for: forest.ir, rowCount: 3), rows: 3))
        }
        #expect(try refused.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue == 3)
        for kernel in ["forest", "double_forest", "oblivious_forest"] {
            #expect(try refused.expectCounter("berth_gpu_fallbacks_total", [("kernel", kernel)]).totalValue == 1, "\(kernel)")
        }
    }

    /// LightGBM's and CatBoost's GPU models hand contributions to the CPU model, so they are counted as CPU calls
    /// whatever the batch size, and are the CPU's answers.
    @Test(arguments: ["lightgbm-binary", "catboost-binary"])
    func contributionsComputedOnTheCPUAreCountedThere(_ fixture: String) throws {
        let metrics = TestMetrics()
        let model = try FixtureModels.load(fixture)
        let routed = try backend(.working, metrics: metrics).compile(model.ir)
        #expect(routed.placement.runsEveryBatchOnGPU)
        let batch = try FixtureModels.rows(for: model.ir, rowCount: 3)
        #expect(try routed.explain(batch, as: .contributions) == CPUBackend().compile(model.ir).explain(batch, as: .contributions))
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cpu")]).totalValue == 1)
        #expect(try metrics.expectCounter("berth_device_kernel_calls_total", [("device", "cuda")]).totalValue == 0)
    }

    @Test func bindsTheDeviceAndCompilesItsMachineCode() throws {
        let gpu = try backend(.working)
        #expect(gpu.device.summary == "Berth emulated GPU, compute 8.0, 16 GiB, driver 12.8")
        #expect(gpu.kernelOrigin.hasPrefix("sm_80 machine code"))
    }

    /// Every forest, LightGBM's and CatBoost's included, answers exactly what the CPU kernel answers (doubles to
    /// the last bit, for the models that answer doubles), on synthetic rows and, for LightGBM and CatBoost, on the
    /// fixture's own rows on and one ulp either side of the split thresholds.
    @Test(arguments: GPUModelTests.treeFixtures + GPUModelTests.doubleAnswerFixtures)
    func forestsGiveTheCPUKernelsAnswers(_ fixture: String) throws {
        let reports = Reports()
        let gpu = try backend(.working, reports: reports)
        let model = try FixtureModels.load(fixture)
        let onGPU = try gpu.compile(model.ir)
        let cpu = try CPUBackend().compile(model.ir)
        #expect(onGPU.placement.description.contains("cuda"), "\(fixture): \(onGPU.placement)")
        #expect(onGPU.featurePrecision == cpu.featurePrecision && onGPU.outputPrecision == cpu.outputPrecision, "\(fixture)")
        let batch = try FixtureModels.rows(for: model.ir)
        let expected = cpu.predict(batch)
        for rowCount in [1, 3, batch.rowCount] {
            let got = onGPU.predict(FixtureModels.prefix(batch, rows: rowCount))
            #expect(FixtureModels.sameAnswers(got, expected.rows(0..<rowCount)), "\(fixture), \(rowCount) rows")
        }
        if GPUModelTests.doubleAnswerFixtures.contains(fixture) {
            let requests = try FixtureModels.requestRows(fixture, featureCount: model.ir.featureCount)
            #expect(FixtureModels.sameAnswers(onGPU.predict(requests), cpu.predict(requests)), "\(fixture), the request's rows")
        }
        #expect(reports.all.isEmpty, "\(reports.all)")
    }

    /// An XGBoost, LightGBM or CatBoost forest (oblivious trees, or non-symmetric ones on LightGBM's kernel) walks a
    /// batch a thread per (tree, row) up to `ForestKernels.perTreeRowLimit` rows and a thread per row above it; on
    /// either side of the limit the answers are the CPU kernel's to the bit. The emulated device holds 4,096 threads at once
    /// (2 × 2,048). (ONNX's forests, with their vote combinations, take both ways in
    /// `forestsGiveTheCPUKernelsAnswers`: 1 and 3 rows per tree, 70,000 per row.)
    @Test(arguments: GPUModelTests.treeFixtures.filter { $0.hasPrefix("xgboost") } + GPUModelTests.doubleAnswerFixtures)
    func bothWaysOfWalkingAForestGiveTheCPUKernelsAnswers(_ fixture: String) throws {
        let model = try FixtureModels.load(fixture)
        let routed = try #require(try backend(.working).compile(model.ir) as? DeviceRoutedModel)
        let limit: Int, groups: Int
        switch routed.gpu {
        case let forest as CUDATreeEnsembleModel: (limit, groups) = (forest.kernels.perTreeRowLimit, forest.groupCount)
        case let forest as CUDADoubleForestModel: (limit, groups) = (forest.kernels.perTreeRowLimit, forest.groupCount)
        case let forest as CUDAObliviousForestModel: (limit, groups) = (forest.kernels.perTreeRowLimit, forest.outputCount)
        default:
            Issue.record("\(fixture): \(type(of: routed.gpu)) is not a forest")
            return
        }
        #expect(limit == (4_096 - 1) / groups, "\(fixture): the small forests' limit is the device's threads")
        let batch = try FixtureModels.rows(for: model.ir, rowCount: limit + 1)
        let expected = try CPUBackend().compile(model.ir).predict(batch)
        for rowCount in [1, limit, limit + 1] {
            #expect(FixtureModels.sameAnswers(routed.gpu.predict(FixtureModels.prefix(batch, rows: rowCount)), expected.rows(0..<rowCount)),
                    "\(fixture), \(rowCount) rows")
        }
    }

    /// A batch is walked per tree only while the thread-per-row launch would not fill the device, its leaves fit
    /// in 64 MiB, and it is one chunk.
    @Test func theLimitOfThePerTreeWalkIsTheSmallestOfItsThreeBounds() {
        func limit(_ threads: Int, _ groups: Int, _ trees: Int, _ leafBytes: Int = 4) -> Int {
            ForestKernels.perTreeRowLimit(residentThreads: threads, groupCount: groups, treeCount: trees, leafBytes: leafBytes)
        }
        #expect(limit(270_336, 1, 500) == 33_554, "500 trees: the leaves' 64 MiB")
        #expect(limit(270_336, 1, 500, 8) == 16_777, "500 trees of double leaves")
        #expect(limit(270_336, 1, 10) == 65_536, "10 trees: one chunk")
        #expect(limit(270_336, 10, 10) == 27_033, "10 groups: the device's threads")
        #expect(limit(4_096, 1, 1) == 4_095)
        #expect(limit(4_096, 1, 0) == 0, "no trees: nothing to walk per tree")
        #expect(limit(1, 1, 10) == 0, "a device reporting one thread never takes the per-tree way")
    }

    @Test(arguments: GPUModelTests.denseFixtures)
    func denseLayersGiveTheCPUKernelsAnswers(_ fixture: String) throws {
        let reports = Reports()
        let gpu = try backend(.working, reports: reports)
        let model = try FixtureModels.load(fixture)
        let onGPU = try gpu.compile(model.ir)
        #expect(onGPU.placement.description.contains("dense layer on cuda") || onGPU.placement.description.contains("linear model on cuda"),
                "\(fixture): \(onGPU.placement)")
        // Rows that are not a multiple of the 16-row tile, so edge tiles are exercised.
        let batch = FeatureBatch(rowCount: 301, columnCount: model.ir.featureCount,
                                 values: SyntheticRows.uniform(count: 301 * model.ir.featureCount))
        let expected = try CPUBackend().compile(model.ir).predict(batch)
        let got = onGPU.predict(batch)
        #expect(got.values.count == expected.values.count)
        for (index, (value, want)) in zip(got.values, expected.values).enumerated() where abs(value - want) > 1e-5 * max(1, abs(want)) {
            Issue.record("\(fixture): value \(index) is \(value) on the emulated GPU, \(want) on the CPU")
            break
        }
        #expect(reports.all.isEmpty, "\(reports.all)")
    }

    @Test func aLaunchTheDriverRefusesIsAnsweredOnTheCPUAndReported() throws {
        let reports = Reports()
        let gpu = try backend(.launchRefused, reports: reports)
        for fixture in ["onnx-mlp-gemm", "xgboost-binary-legacy", "lightgbm-linear-tree", "catboost-multiclass-strings"] {
            let model = try FixtureModels.load(fixture)
            let batch = try FixtureModels.rows(for: model.ir, rowCount: 500)
            #expect(FixtureModels.sameAnswers(try gpu.compile(model.ir).predict(batch), try CPUBackend().compile(model.ir).predict(batch)), "\(fixture)")
        }
        #expect(reports.all.contains { $0.hasPrefix("the GPU failed a dense layer; it was computed on the CPU: cuLaunchKernel failed: CUDA_ERROR_NOT_SUPPORTED") },
                "\(reports.all)")
        #expect(reports.all.contains { $0.hasPrefix("the GPU failed a batch; it was answered on the CPU: cuLaunchKernel failed: CUDA_ERROR_NOT_SUPPORTED") },
                "\(reports.all)")
    }

    @Test(arguments: ["xgboost-binary-legacy", "lightgbm-binary", "catboost-binary"])
    func batchBuffersThatDoNotFitAreAnsweredOnTheCPU(_ fixture: String) throws {
        let reports = Reports()
        let gpu = try backend(.memoryForTheModelOnly, reports: reports)
        let model = try FixtureModels.load(fixture)
        let batch = try FixtureModels.rows(for: model.ir)
        #expect(FixtureModels.sameAnswers(try gpu.compile(model.ir).predict(batch), try CPUBackend().compile(model.ir).predict(batch)))
        #expect(reports.all.contains { $0.contains("the GPU failed a batch; it was answered on the CPU: cuMemAlloc") && $0.contains("CUDA_ERROR_OUT_OF_MEMORY") },
                "\(reports.all)")
    }

    @Test(arguments: ["xgboost-binary-legacy", "lightgbm-binary", "catboost-binary"])
    func aModelThatDoesNotFitStaysOnTheCPUUnlessCUDAIsRequired(_ fixture: String) throws {
        let reports = Reports()
        let model = try FixtureModels.load(fixture)
        let measured = try backend(.noMemory, routing: .measured, reports: reports).compile(model.ir)
        #expect(measured.placement == .cpu)
        #expect(reports.all.contains { $0.hasPrefix("the model stays on the CPU: it cannot go onto the GPU: cuMemAlloc") }, "\(reports.all)")
        #expect {
            _ = try backend(.noMemory).compile(model.ir)
        } throws: { error in
            (error as? ModelValidationError)?.reason.hasPrefix("BERTH_DEVICE=cuda, but the model cannot go onto the GPU: cuMemAlloc") == true
        }
    }

    @Test(arguments: ["xgboost-regression-json-gz", "lightgbm-multiclass-categorical", "catboost-regression"])
    func measuredRoutingNamesItsCrossover(_ fixture: String) throws {
        let model = try FixtureModels.load(fixture)
        let routed = try backend(.working, routing: .measured).compile(model.ir)
        #expect(routed.placement.description.contains("16: "), "the sizes measured are named: \(routed.placement)")
        #expect(routed.placement.description.hasPrefix("cuda for batches of") || routed.placement.description.hasPrefix("cpu (the GPU was slower"))
        let fixed = try backend(.working, routing: .fromRows(100)).compile(model.ir)
        #expect(fixed.placement.description == "cuda for batches of 100 rows or more, cpu below (BERTH_CUDA_MIN_ROWS=100)")
    }

    /// A model whose rows are too wide to time at load (a sparse text model's millions of features) is not measured
    /// under `auto`: building 16 … 65,536 of its rows would take gigabytes. It stays on the CPU, saying why, and
    /// `BERTH_CUDA_MIN_ROWS` still sends batches to the GPU, which answers them as the CPU does.
    @Test func aModelTooWideToTimeIsNotMeasured() throws {
        let features = 5_000_000
        let stump = DecisionTree(leftChildren: [1, -1, -1], rightChildren: [2, -1, -1], splitFeatures: [Int32(features - 1), 0, 0],
                                 values: [0.5, 2, 7], defaultLeft: [true, false, false])
        let model = ModelIR.trees(TreeEnsemble(featureCount: features, groupCount: 1, trees: [stump], treeGroups: [0], baseMargins: [0],
                                               transform: .identity))
        let measured = try backend(.working, routing: .measured).compile(model)
        #expect(measured.placement.description.hasPrefix("cpu (not measured: rows of 5000000 values are too wide to time at load"),
                "\(measured.placement)")
        let fixed = try backend(.working, routing: .fromRows(1)).compile(model)
        var row = [Float](repeating: 0, count: features)
        row[features - 1] = 1
        #expect(fixed.predict(FeatureBatch(rowCount: 1, columnCount: features, values: row)).values == [7])
    }

    @Test func driverFailuresAreNamed() throws {
        #expect {
            _ = try backend(.driverTooOld)
        } throws: { error in
            guard let error = error as? CUDAUnavailable else { return false }
            return error.kind == .driverTooOld && error.message == "cuInit failed: CUDA_ERROR_INSUFFICIENT_DRIVER (emulated)"
        }
        #expect {
            _ = try backend(.noDevice, environment: ["CUDA_VISIBLE_DEVICES": ""])
        } throws: { error in
            (error as? CUDAUnavailable)?.message == "the CUDA driver sees no GPU: CUDA_VISIBLE_DEVICES= hides every device"
        }
        #expect {
            _ = try backend(.noDevice, environment: [:])
        } throws: { error in
            (error as? CUDAUnavailable)?.message == "the CUDA driver (12.8) sees no GPU"
        }
        #expect {
            _ = try backend(.computeTooOld)
        } throws: { error in
            guard let error = error as? CUDAUnavailable else { return false }
            return error.kind == .compileFailed && error.message.contains("cannot compile for compute 1.0")
        }
    }
}
