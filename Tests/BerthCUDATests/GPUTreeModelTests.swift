import BerthArtifacts
import BerthCore
import BerthFormats
import BerthTestSupport
import Testing
@testable import BerthCUDA

/// On a machine with an NVIDIA GPU: every tree fixture (XGBoost, and ONNX graphs with a TreeEnsemble node) predicts
/// on the GPU exactly what the CPU kernels predict (which the CPU tests hold to xgboost's and onnxruntime's
/// answers). Without a GPU these tests do not run; `KernelCompilationTests` still compiles every kernel, and
/// `scripts/gpu-check` runs the fixtures end to end where there is a GPU.
@Suite(.enabled(if: GPUUnderTest.backend != nil, "no GPU could be bound"))
struct GPUTreeModelTests {

    static let treeFixtures = [
        "xgboost-binary-legacy", "xgboost-multiclass-ubjson", "xgboost-regression-json-gz", "xgboost-missing-categorical",
        "xgboost-dart", "xgboost-softmax-selectable", "onnx-random-forest-binary", "onnx-random-forest-multiclass",
        "onnx-gradient-boosting-binary", "onnx-gradient-boosting-regressor", "onnx-tree-modes-sum",
        "onnx-tree-modes-average", "onnx-tree-modes-min", "onnx-tree-modes-max",
    ]

    @Test(arguments: treeFixtures)
    func gpuMatchesTheCPUKernel(_ fixture: String) throws {
        let backend = try #require(GPUUnderTest.backend)
        let contents = try ArtifactStore(directory: Fixtures.root + "/" + fixture + "/model").open()
        let file = try #require(contents.files.first { ModelFormat.detect($0.bytes) != nil })
        let loaded = try ModelReader.read(file: file.path, bytes: file.bytes, siblings: contents.sibling(of: file.path))
        let ensemble = try #require(Self.forest(in: loaded.ir), "\(fixture) has no tree ensemble")
        let cpu = try CPUBackend().compile(loaded.ir)
        let gpu = try backend.compile(loaded.ir)
        #expect(gpu.placement.contains("cuda"), "\(fixture): \(gpu.placement)")
        let forest = try PackedForest(ensemble)
        var batch = SyntheticRows(forest: forest, featureCount: loaded.ir.featureCount).batch(rowCount: 70_000)
        for row in stride(from: 0, to: batch.rowCount, by: 97) {
            batch.values[row * batch.columnCount + row % batch.columnCount] = .nan
        }
        let expected = cpu.predict(batch)
        let got = gpu.predict(batch)
        #expect(got.rowCount == expected.rowCount && got.columnCount == expected.columnCount)
        var mismatches = 0
        for (index, (value, want)) in zip(got.values, expected.values).enumerated()
        where !(value == want || value.isNaN && want.isNaN || abs(value - want) <= 1e-6 * max(1, abs(want))) {
            if mismatches == 0 { Issue.record("\(fixture): value \(index) is \(value) on the GPU, \(want) on the CPU") }
            mismatches += 1
        }
        #expect(mismatches == 0, "\(fixture): \(mismatches) values differ")
    }

    /// The forest of an XGBoost model, or of an ONNX graph's TreeEnsemble node.
    static func forest(in model: ModelIR) -> TreeEnsemble? {
        switch model {
        case .trees(let ensemble): return ensemble
        case .graph(let graph):
            for node in graph.nodes { if case .treeEnsemble(let operation) = node.operation { return operation.ensemble } }
            return nil
        case .linear: return nil
        }
    }
}

/// The GPU backend, when this machine has a GPU (and NVRTC) to bind.
enum GPUUnderTest {
    static let backend: CUDABackend? = {
        guard let nvrtc = try? NVRTCLocation.open() else { return nil }
        return try? CUDABackend(cpu: CPUBackend(), routing: .everyBatch, nvrtcPath: nvrtc.path,
                                environment: ["TMPDIR": "/tmp"], report: { print("GPU report: \($0)") })
    }()
}
