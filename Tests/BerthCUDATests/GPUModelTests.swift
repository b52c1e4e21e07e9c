import BerthCore
import BerthFormats
import BerthTestSupport
import Testing
@testable import BerthCUDA

/// On a machine with an NVIDIA GPU: every fixture with a forest (XGBoost, LightGBM, CatBoost, ONNX TreeEnsemble nodes)
/// or dense layers (ONNX Gemm, MatMul, linear models) predicts on the GPU what the CPU kernels predict (which the CPU
/// tests hold to the reference libraries' answers), on 70,000 rows with missing values, and XGBoost's contributions
/// what the CPU's TreeSHAP computes. Without a GPU these tests do not run; `KernelCompilationTests` still compiles every kernel, and
/// `scripts/gpu-check` runs the fixtures end to end where there is a GPU.
@Suite(.enabled(if: GPUUnderTest.isPresent, "the CUDA driver sees no GPU on this machine"))
struct GPUModelTests {

    static let treeFixtures = [
        "xgboost-binary-legacy", "xgboost-multiclass-ubjson", "xgboost-regression-json-gz", "xgboost-missing-categorical", "xgboost-high-categories", "xgboost-1.7-categorical-json",
        "xgboost-dart", "xgboost-softmax-selectable", "onnx-random-forest-binary", "onnx-random-forest-multiclass",
        "onnx-gradient-boosting-binary", "onnx-gradient-boosting-regressor", "onnx-tree-modes-sum",
        "onnx-tree-modes-average", "onnx-tree-modes-min", "onnx-tree-modes-max",
    ]

    /// LightGBM's and CatBoost's forests (every fixture that loads), which compute and answer in double precision.
    static let doubleAnswerFixtures = [
        "lightgbm-binary", "lightgbm-binary-selectable", "lightgbm-dart", "lightgbm-goss", "lightgbm-jumpstart-binary",
        "lightgbm-linear-tree", "lightgbm-multiclass-categorical", "lightgbm-multiclassova", "lightgbm-objective-cross-entropy",
        "lightgbm-objective-cross-entropy-lambda", "lightgbm-objective-fair", "lightgbm-objective-gamma",
        "lightgbm-objective-huber", "lightgbm-objective-lambdarank", "lightgbm-objective-mape", "lightgbm-objective-quantile",
        "lightgbm-objective-rank-xendcg", "lightgbm-objective-regression-l1", "lightgbm-objective-tweedie",
        "lightgbm-pickle-booster", "lightgbm-pickle-booster-early-stopped", "lightgbm-pickle-classifier-joblib",
        "lightgbm-pickle-regressor", "lightgbm-regression-use-missing-false", "lightgbm-regression-zero-as-missing",
        "lightgbm-rf",
        "catboost-binary", "catboost-binary-cbm", "catboost-binary-nan-max", "catboost-multiclass-one-vs-all",
        "catboost-multiclass-strings", "catboost-multiclass-strings-cbm", "catboost-poisson", "catboost-regression",
        "catboost-regression-cbm", "catboost-depthwise-binary", "catboost-depthwise-binary-cbm", "catboost-depthwise-multiclass",
        "catboost-depthwise-multiclass-cbm", "catboost-lossguide-regression", "catboost-lossguide-regression-cbm",
        "catboost-one-hot-binary", "catboost-one-hot-binary-cbm", "catboost-one-hot-multiclass", "catboost-one-hot-multiclass-cbm",
    ]

    static let denseFixtures = ["onnx-mlp-gemm", "onnx-mlp-activations", "onnx-mlp-pipeline", "onnx-linear-regression", "onnx-logistic-binary",
                                "onnx-logistic-multiclass-strings", "onnx-operator-zoo"]

    /// Forests add the same leaves in the same order on both devices: equal to the last ulp or two.
    @Test(arguments: treeFixtures)
    func forestsMatchTheCPUKernel(_ fixture: String) throws {
        try compare(fixture, tolerance: 1e-6)
    }

    /// LightGBM's and CatBoost's forests sum doubles in the CPU kernel's order, without fused multiply-adds: the
    /// CPU kernel's doubles exactly.
    @Test(arguments: doubleAnswerFixtures)
    func doubleForestsEqualTheCPUKernel(_ fixture: String) throws {
        try compare(fixture, tolerance: 0)
    }

    /// Dense layers sum their products in another order than the CPU's AVX kernels: within the fixtures' 1e-5.
    @Test(arguments: denseFixtures)
    func denseLayersMatchTheCPUKernel(_ fixture: String) throws {
        try compare(fixture, tolerance: 1e-5)
    }

    /// XGBoost's contributions (TreeSHAP, `CUDATreeSHAP`) add in another order on the GPU (atomically): the CPU's
    /// within 1e-9·(1 + |value|), on 10,000 rows with missing values.
    @Test(arguments: EmulatedTreeSHAPTests.fixtures)
    func contributionsMatchTheCPUKernel(_ fixture: String) throws {
        let backend = try GPUUnderTest.backend.get()
        let loaded = try FixtureModels.load(fixture)
        let gpu = try backend.compile(loaded.ir)
        let batch = try FixtureModels.rows(for: loaded.ir, rowCount: 10_000)
        let got = try gpu.explain(batch, as: .contributions).values
        let expected = try CPUBackend().compile(loaded.ir).explain(batch, as: .contributions).values
        #expect(got.count == expected.count)
        let wrong = zip(got, expected).enumerated().filter { !(abs($0.element.0 - $0.element.1) <= 1e-9 * (1 + abs($0.element.1))) }
        #expect(wrong.isEmpty, "\(fixture): \(wrong.count) values differ, first \(wrong.first.map { "\($0.offset): \($0.element.0) vs \($0.element.1)" } ?? "")")
    }

    func compare(_ fixture: String, tolerance: Double) throws {
        let backend = try GPUUnderTest.backend.get()
        let loaded = try FixtureModels.load(fixture)
        let cpu = try CPUBackend().compile(loaded.ir)
        let gpu = try backend.compile(loaded.ir)
        #expect(gpu.placement.description.contains("cuda"), "\(fixture): \(gpu.placement)")
        let batch = try FixtureModels.rows(for: loaded.ir)
        let expected = cpu.predict(batch)
        let got = gpu.predict(batch)
        #expect(got.rowCount == expected.rowCount && got.columnCount == expected.columnCount)
        #expect((got.doubles == nil) == (expected.doubles == nil), "\(fixture): both devices answer doubles, or neither")
        let gotValues = got.doubles ?? got.values.map(Double.init), expectedValues = expected.doubles ?? expected.values.map(Double.init)
        var mismatches = 0
        for (index, (value, want)) in zip(gotValues, expectedValues).enumerated()
        where !(value == want || value.isNaN && want.isNaN || abs(value - want) <= tolerance * max(1, abs(want))) {
            if mismatches == 0 { Issue.record("\(fixture): value \(index) is \(value) on the GPU, \(want) on the CPU") }
            mismatches += 1
        }
        #expect(mismatches == 0, "\(fixture): \(mismatches) values differ")
    }
}

/// The GPU under test. Only a machine without one skips `GPUModelTests`: where the driver sees a GPU, a backend
/// that does not bind (NVRTC missing, a kernel the device refuses) fails every test with the reason.
enum GPUUnderTest {
    /// Whether the CUDA driver opens and sees a device: what a machine may lack, like an instruction set.
    static let isPresent: Bool = {
        guard let driver = try? CUDADriver() else { return false }
        return (try? CUDADevice(driver: driver, visibleDevices: nil)) != nil
    }()

    /// The backend bound on this machine, or why it could not be bound.
    static let backend = Result { () throws -> CUDABackend in
        let nvrtc = try NVRTCLocation.open()
        return try CUDABackend(cpu: CPUBackend(), routing: .everyBatch, nvrtcPath: nvrtc.path,
                               environment: ["TMPDIR": "/tmp"], report: { print("GPU report: \($0)") })
    }
}
