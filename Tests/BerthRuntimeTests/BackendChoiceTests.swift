import BerthCodecs
import BerthCore
import BerthCUDA
@testable import BerthRuntime
import BerthTestSupport
import Logging
import Testing

/// `BERTH_DEVICE` without a GPU: `auto` falls back to the CPU and says why in its startup line, `cuda` refuses to
/// start, `cpu` never touches the driver. zlib stands in for a library that is not the CUDA driver.
@Suite struct BackendChoiceTests {
    static let logger = Logger(label: "berth-test")

    func choose(_ environment: [String: String], driverPath: String) throws -> BackendChoice {
        let configuration = try BerthConfiguration(environment: environment, processorCount: 2)
        return try BackendChoice.choose(configuration: configuration, environment: environment, logger: Self.logger,
                                        driverPath: driverPath)
    }

    @Test func autoWithoutADriverServesOnTheCPUAndSaysWhy() throws {
        let choice = try choose([:], driverPath: "/nonexistent/libcuda.so.1")
        #expect(choice.backend.name == "cpu")
        #expect(choice.startupLine.hasPrefix("CPU: /nonexistent/libcuda.so.1: "))
        #expect(choice.details["dense_kernel"] == CPUBackend.denseInstructionSet)
        #expect(choice.details["gathers"] == CPUBackend.gatherInstructionSet)
        #expect(choice.details["oblivious_kernel"] == CPUBackend.obliviousInstructionSet)
    }

    @Test func autoWithALibraryMissingSymbolsServesOnTheCPU() throws {
        let choice = try choose(["BERTH_DEVICE": "auto"], driverPath: "libz.so.1")
        #expect(choice.backend.name == "cpu")
        #expect(choice.startupLine == "CPU: libz.so.1 has no symbol cuInit: not a usable CUDA driver")
    }

    @Test func cudaWithoutADriverRefusesToStart() throws {
        #expect {
            _ = try choose(["BERTH_DEVICE": "cuda"], driverPath: "/nonexistent/libcuda.so.1")
        } throws: { error in
            let text = (error as? BackendChoice.Refusal)?.description ?? ""
            return text.hasPrefix("BERTH_DEVICE=cuda, but no GPU can be bound: /nonexistent/libcuda.so.1")
                && text.contains("--gpus all") && text.contains("BERTH_DEVICE=auto")
        }
        #expect(throws: BackendChoice.Refusal.self) { _ = try choose(["BERTH_DEVICE": "cuda"], driverPath: "libz.so.1") }
    }

    @Test func aBoundGPUIsTheStartupLine() throws {
        let nvrtc = try NVRTCLocation.open()
        let choice = try choose(["BERTH_NVRTC_PATH": nvrtc.path, "TMPDIR": "/tmp"], driverPath: try EmulatedCUDADriver.path(.working))
        #expect(choice.backend.name == "cuda")
        #expect(choice.startupLine == "CUDA: Berth emulated GPU, compute 8.0, 16 GiB, driver 12.8")
        #expect(choice.details["routing"] == "batches from the size where the GPU wins, measured per model at load")
        #expect(choice.details["kernels"]?.hasPrefix("sm_80 machine code") == true)
        #expect(choice.details["nvrtc"]?.hasSuffix("(\(nvrtc.path))") == true)
    }

    @Test func cpuNeverOpensTheDriver() throws {
        // A driver path that would fail loudly if it were tried.
        let choice = try choose(["BERTH_DEVICE": "CPU"], driverPath: "/nonexistent/libcuda.so.1")
        #expect(choice.backend.name == "cpu")
        #expect(choice.startupLine == "CPU: BERTH_DEVICE=cpu")
    }

    @Test func invalidDeviceSettingsAreNamed() {
        #expect(throws: ConfigurationError(variable: "BERTH_DEVICE", value: "gpu", expected: "auto, cpu or cuda")) {
            _ = try BerthConfiguration(environment: ["BERTH_DEVICE": "gpu"], processorCount: 2)
        }
        #expect(throws: ConfigurationError.self) {
            _ = try BerthConfiguration(environment: ["BERTH_CUDA_MIN_ROWS": "0"], processorCount: 2)
        }
    }

    @Test func theFallbackServesAFixtureLikeXGBoost() async throws {
        let folder = Fixtures.root + "/xgboost-binary-legacy"
        var configuration = try BerthConfiguration(environment: [:], processorCount: 2)
        configuration.model.directory = folder + "/model"
        let choice = try BackendChoice.choose(configuration: configuration, environment: [:], logger: Self.logger,
                                              driverPath: "/nonexistent/libcuda.so.1")
        let loaded = try ModelLoader(configuration: configuration, backend: choice.backend).load(logger: Self.logger)
        #expect(loaded.placement == .cpu)
        let rows = try Fixtures.bytes(folder + "/requests/rows.csv")
        let expected = try Fixtures.bytes(folder + "/expected/rows.csv")
        let pipeline = InferencePipeline(model: loaded, configuration: configuration)
        let answer = try rows.withUnsafeBytes { body in try pipeline.answer(body, from: .csv, to: .csv) }
        ResponseComparison.expectSameText(String(decoding: answer.body, as: UTF8.self), String(decoding: expected, as: UTF8.self), "CPU fallback")
    }
}
