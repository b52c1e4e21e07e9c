import BerthCore

/// The GPU `Backend`: tree ensembles (XGBoost's, and the forests inside ONNX graphs) compiled for both devices and
/// routed by batch size; everything else on the CPU kernels, which it wraps.
///
/// Binding does all the work that can fail — open the driver, find a device, open NVRTC, compile (or read from
/// `KernelCache`) and load every kernel — so a `CUDABackend` that exists is one that can launch. A model that
/// cannot go onto the GPU later (out of device memory) is served on the CPU with one reported line, unless the
/// routing is `.everyBatch` (`BERTH_DEVICE=cuda`), where that is a load failure.
public struct CUDABackend: Backend {
    /// Which batches of a tree model the GPU takes.
    public enum Routing: Sendable, Equatable {
        /// Every batch (`BERTH_DEVICE=cuda`).
        case everyBatch
        /// Batches of at least this many rows (`BERTH_CUDA_MIN_ROWS`).
        case fromRows(Int)
        /// Batches at least as large as the crossover measured at load (`BERTH_DEVICE=auto`).
        case measured
    }

    public let device: CUDADevice
    public let nvrtc: NVRTC
    public let cpu: CPUBackend
    public let routing: Routing
    /// "sm_90 machine code compiled by NVRTC 12.8" or "… from /tmp/berth-ptx": how the kernels were obtained.
    public let kernelOrigin: String
    let treeModule: CUDAModule
    let report: @Sendable (String) -> Void

    public var name: String { "cuda" }

    /// Binds the GPU or says why not. `environment` supplies `CUDA_VISIBLE_DEVICES` and `TMPDIR`; `report`
    /// receives the lines worth logging later (a model kept on the CPU, a batch the GPU failed).
    public init(cpu: CPUBackend, routing: Routing, driverPath: String = CUDADriver.libraryName, nvrtcPath: String?,
                environment: [String: String], report: @escaping @Sendable (String) -> Void) throws(CUDAUnavailable) {
        let driver = try CUDADriver(path: driverPath)
        device = try CUDADevice(driver: driver, visibleDevices: environment["CUDA_VISIBLE_DEVICES"])
        nvrtc = try NVRTC(configuredPath: nvrtcPath)
        let target = try nvrtc.target(for: device.computeCapability)
        let source = CUDAKernelSource.treeEnsemble
        let nvrtcName = "NVRTC \(nvrtc.version.major).\(nvrtc.version.minor)"
        let image: [UInt8]
        if let cache = KernelCache(environment: environment) {
            let entry = try cache.image(for: source, target: target, nvrtc: nvrtc)
            image = entry.image
            kernelOrigin = "\(target) \(entry.cached ? "from \(cache.directory)" : "compiled by \(nvrtcName)")"
        } else {
            image = try nvrtc.compile(source, target: target)
            kernelOrigin = "\(target) compiled by \(nvrtcName) (TMPDIR is under /opt/ml: not cached)"
        }
        treeModule = try device.loadModule(image: image, kind: target.kind, entryPoints: source.entryPoints)
        self.cpu = cpu
        self.routing = routing
        self.report = report
    }

    public func compile(_ model: ModelIR) throws(ModelValidationError) -> any CompiledModel {
        switch model {
        case .trees(let ensemble):
            return try treeModel(ensemble, cpuModel: try cpu.compile(model))
        case .graph:
            // The graph runs on the CPU kernels; its TreeEnsemble nodes' forests go through `treeModel`.
            var graphBackend = cpu
            graphBackend.graphTreeCompiler = { ensemble throws(ModelValidationError) in
                try treeModel(ensemble, cpuModel: try cpu.compile(.trees(ensemble)))
            }
            let compiled = try graphBackend.compile(model)
            if compiled.placement == "cpu" {
                report("this ONNX graph has no tree ensemble: it runs on the CPU kernels (the GPU runs tree ensembles only)")
            }
            return compiled
        case .linear:
            report("this linear model runs on the CPU kernels (the GPU runs tree ensembles only)")
            return try cpu.compile(model)
        }
    }

    /// `ensemble` on the GPU, routed by batch size with `cpuModel` (the same forest on the CPU) taking the rest.
    private func treeModel(_ ensemble: TreeEnsemble, cpuModel: any CompiledModel) throws(ModelValidationError) -> any CompiledModel {
        let forest = try PackedForest(ensemble)
        let gpuModel: CUDATreeEnsembleModel
        do {
            gpuModel = try CUDATreeEnsembleModel(ensemble, forest: forest, module: treeModule, cpu: cpuModel, report: report)
        } catch {
            guard routing != .everyBatch else {
                throw ModelValidationError("BERTH_DEVICE=cuda, but the model cannot go onto the GPU: \(error.message)")
            }
            report("the model stays on the CPU: it cannot go onto the GPU: \(error.message)")
            return cpuModel
        }
        switch routing {
        case .everyBatch:
            return DeviceRoutedModel(cpu: cpuModel, gpu: gpuModel, minimumRows: 1, origin: "BERTH_DEVICE=cuda")
        case .fromRows(let rows):
            return DeviceRoutedModel(cpu: cpuModel, gpu: gpuModel, minimumRows: rows, origin: "BERTH_CUDA_MIN_ROWS=\(rows)")
        case .measured:
            let measurement = GPUCrossover.measure(cpu: cpuModel, gpu: gpuModel, forest: forest, featureCount: ensemble.featureCount)
            let origin = measurement.minimumRows == nil
                ? "the GPU was slower at every size measured; rows: cpu / gpu: \(measurement.table)"
                : "measured at load; rows: cpu / gpu: \(measurement.table)"
            return DeviceRoutedModel(cpu: cpuModel, gpu: gpuModel, minimumRows: measurement.minimumRows ?? Int.max, origin: origin)
        }
    }
}
