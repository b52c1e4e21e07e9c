import BerthCore
import BerthCUDA
import CoreMetrics
import Logging

/// The backend `BERTH_DEVICE` asks for, bound once at start-up, and the one line that tells an operator which
/// device serves and why ("CUDA: NVIDIA H100 80GB HBM3, compute 9.0, 79 GiB, driver 13.0" or
/// "CPU: libcuda.so.1 not found (…)").
public struct BackendChoice: Sendable {
    public let backend: any Backend
    public let startupLine: String
    /// Details for the log and `berth inspect`: NVRTC, kernel origin, routing.
    public let details: [String: String]

    /// `BERTH_DEVICE=cuda` with no GPU to bind: the process must not start.
    public struct Refusal: Error, Sendable, CustomStringConvertible {
        public let description: String
    }

    /// Binds the backend `configuration.compute.device` names. `driverPath` exists for tests (a library that is not
    /// the driver); `logger` receives what the GPU backend reports later, each distinct line once a minute at most;
    /// `metrics` makes a bound GPU's counters (kernel calls by device, fallbacks).
    public static func choose(configuration: BerthConfiguration, environment: [String: String], logger: Logger,
                              driverPath: String = CUDADriver.libraryName,
                              metrics: any MetricsFactory = NOOPMetricsHandler.instance) throws(Refusal) -> BackendChoice {
        let cpu = CPUBackend(parallelism: configuration.compute.rowParallelism,
                             treeWalk: configuration.compute.treeWalk)
        let cpuDetails = ["dense_kernel": CPUBackend.denseInstructionSet, "gathers": CPUBackend.gatherInstructionSet,
                          "oblivious_kernel": CPUBackend.obliviousInstructionSet, "threads": String(configuration.compute.threadCount)]
        if configuration.compute.device == .cpu {
            return BackendChoice(backend: cpu, startupLine: "CPU: BERTH_DEVICE=cpu", details: cpuDetails)
        }
        let routing: CUDABackend.Routing = configuration.compute.device == .cuda
            ? .everyBatch
            : configuration.compute.cudaMinimumRows.map { .fromRows($0) } ?? .measured
        let reporter = ThrottledReporter(logger: logger)
        do {
            let gpu = try CUDABackend(cpu: cpu, routing: routing, driverPath: driverPath, nvrtcPath: configuration.compute.nvrtcPath,
                                      environment: environment, metrics: metrics, report: { reporter.report($0) })
            return BackendChoice(backend: gpu, startupLine: "CUDA: \(gpu.device.summary)", details: [
                "nvrtc": "\(gpu.nvrtc.version.major).\(gpu.nvrtc.version.minor) (\(gpu.nvrtc.path))",
                "kernels": gpu.kernelOrigin,
                "routing": describe(routing),
            ].merging(cpuDetails) { first, _ in first })
        } catch {
            if configuration.compute.device == .cuda {
                throw Refusal(description: "BERTH_DEVICE=cuda, but no GPU can be bound: \(error.message). "
                              + "Run on a GPU instance (or docker run --gpus all on a GPU host), or set BERTH_DEVICE=auto to fall back to the CPU")
            }
            return BackendChoice(backend: cpu, startupLine: "CPU: \(error.message)", details: cpuDetails)
        }
    }

    private static func describe(_ routing: CUDABackend.Routing) -> String {
        switch routing {
        case .everyBatch: "every batch on the GPU (BERTH_DEVICE=cuda)"
        case .fromRows(let rows): "batches of \(rows) rows or more on the GPU (BERTH_CUDA_MIN_ROWS)"
        case .measured: "batches from the size where the GPU wins, measured per model at load"
        }
    }
}
