import BerthCore
import CoreMetrics

/// The GPU `Backend`: forests — XGBoost's and those inside ONNX graphs, LightGBM's in double precision, CatBoost's
/// oblivious trees — and the dense layers of ONNX graphs compiled for both devices and routed by batch size, as are
/// the contributions of XGBoost's forests (TreeSHAP); everything else on the CPU kernels, which it wraps.
///
/// Binding opens the driver, finds a device and opens NVRTC, checking that it compiles for the device's
/// architecture; each kernel is compiled (or read from `KernelCache`) and loaded when a model first needs it
/// (`KernelModules`), not before the port opens. A model that cannot go onto the GPU later (a kernel that does not
/// compile or load, out of device memory) is served on the CPU with one reported line, unless the routing is
/// `.everyBatch` (`BERTH_DEVICE=cuda`), where that is a load failure.
public struct CUDABackend: Backend {
    /// Which batches of a forest or dense layer the GPU takes.
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
    /// "sm_90 machine code from /tmp/berth-ptx, else compiled by NVRTC 12.8 as models need them": how the kernels are
    /// obtained.
    public var kernelOrigin: String { modules.origin }
    /// The kernels, compiled and loaded as models first need them.
    let modules: KernelModules
    /// Streams and transfer buffers, shared by every model and layer of this backend.
    let lanes: CUDALanePool
    let report: @Sendable (String) -> Void
    let metrics: DeviceMetrics

    public var name: String { "cuda" }

    /// Binds the GPU or says why not. `environment` supplies `CUDA_VISIBLE_DEVICES` and `TMPDIR`; `report`
    /// receives the lines worth logging later (a model kept on the CPU, a batch the GPU failed); `metrics` makes
    /// the counters of kernel calls by device and of fallbacks (`DeviceMetrics`).
    public init(cpu: CPUBackend, routing: Routing, driverPath: String = CUDADriver.libraryName, nvrtcPath: String?,
                environment: [String: String], metrics: any MetricsFactory = NOOPMetricsHandler.instance,
                report: @escaping @Sendable (String) -> Void) throws(CUDAUnavailable) {
        let driver = try CUDADriver(path: driverPath)
        let device = try CUDADevice(driver: driver, visibleDevices: environment["CUDA_VISIBLE_DEVICES"])
        let nvrtc = try NVRTC(configuredPath: nvrtcPath)
        let target = try nvrtc.target(for: device.computeCapability)
        modules = KernelModules(device: device, nvrtc: nvrtc, target: target, cache: KernelCache(environment: environment))
        lanes = CUDALanePool(device: device, host: HostRowWork(parallelism: cpu.parallelism))
        self.device = device
        self.nvrtc = nvrtc
        self.cpu = cpu
        self.routing = routing
        self.report = report
        self.metrics = DeviceMetrics(factory: metrics)
    }

    public func compile(_ model: ModelIR) throws(ModelValidationError) -> any CompiledModel {
        switch model {
        case .trees(let ensemble):
            return try treeModel(ensemble, cpuModel: try cpu.compile(model))
        case .graph:
            // The graph runs on the CPU kernels, except its forests and dense layers, which go through
            // `treeModel` and `denseLayer`.
            var graphBackend = cpu
            graphBackend.deviceKernels.trees = { ensemble throws(ModelValidationError) in
                try treeModel(ensemble, cpuModel: try cpu.compile(.trees(ensemble)))
            }
            graphBackend.deviceKernels.dense = { weights throws(ModelValidationError) in try denseLayer(weights) }
            return try graphBackend.compile(model)
        case .linear:
            report("XGBoost gblinear models run on the CPU kernels (the GPU runs forests and ONNX dense layers)")
            return try cpu.compile(model)
        case .doubleTrees(let forest):
            let cpuModel = try cpu.compile(model)
            let packed = try PackedDoubleForest(forest)
            return try routedModel(cpuModel: cpuModel, rows: SyntheticRows(forest: packed, featureCount: forest.featureCount)) {
                () throws(CUDAUnavailable) in
                try CUDADoubleForestModel(forest, packed: packed, module: try modules.module(.doubleForest), lanes: lanes, cpu: cpuModel,
                                          metrics: metrics, report: report)
            }
        case .obliviousTrees(let forest):
            let cpuModel = try cpu.compile(model)
            return try routedModel(cpuModel: cpuModel, rows: SyntheticRows(forest: forest)) { () throws(CUDAUnavailable) in
                try CUDAObliviousForestModel(forest, module: try modules.module(.obliviousForest), lanes: lanes, cpu: cpuModel,
                                             metrics: metrics, report: report)
            }
        }
    }

    /// `ensemble` on the GPU, routed by batch size with `cpuModel` (the same forest on the CPU) taking the rest.
    private func treeModel(_ ensemble: TreeEnsemble, cpuModel: any CompiledModel) throws(ModelValidationError) -> any CompiledModel {
        // The CPU model packed these trees already, on every core; packing them again was a second pass on one.
        let forest: PackedForest
        if let packed = (cpuModel as? any PackedForestProviding)?.packedForest {
            forest = packed
        } else {
            forest = try PackedForest(ensemble)
        }
        return try routedModel(cpuModel: cpuModel, rows: SyntheticRows(forest: forest, featureCount: ensemble.featureCount)) {
            () throws(CUDAUnavailable) in
            try CUDATreeEnsembleModel(ensemble, forest: forest, module: try modules.module(.treeEnsemble), modules: modules, lanes: lanes,
                                      cpu: cpuModel, metrics: metrics, report: report)
        }
    }

    /// The model `makeGPUModel` uploads, routed by batch size with `cpuModel` (the same model on the CPU) taking
    /// the rest; the crossover, when measured, is timed on `rows`. A model that cannot go onto the GPU stays on the
    /// CPU with a reported line, or fails to load under `.everyBatch`.
    private func routedModel(cpuModel: any CompiledModel, rows: @autoclosure () -> SyntheticRows,
                             makeGPUModel: () throws(CUDAUnavailable) -> any CUDAForestModel) throws(ModelValidationError) -> any CompiledModel {
        let gpuModel: any CUDAForestModel
        do {
            gpuModel = try makeGPUModel()
        } catch {
            guard routing != .everyBatch else {
                throw ModelValidationError("BERTH_DEVICE=cuda, but the model cannot go onto the GPU: \(error.message)")
            }
            report("the model stays on the CPU: it cannot go onto the GPU: \(error.message)")
            return cpuModel
        }
        let (minimumRows, origin) = route(rowWidth: cpuModel.featureCount) {
            GPUCrossover.measure(cpu: cpuModel, gpu: gpuModel, rows: rows())
        }
        return DeviceRoutedModel(cpu: cpuModel, gpu: gpuModel, minimumRows: minimumRows, origin: origin,
                                 gpuComputesContributions: { gpuModel.computesContributionsOnDevice }, metrics: metrics)
    }

    /// A dense layer on the GPU, routed by row count with the CPU's layer taking the rest.
    private func denseLayer(_ weights: DenseWeights) throws(ModelValidationError) -> any DenseLayer {
        let cpuLayer = cpu.denseLayer(weights)
        let gpuLayer: CUDADenseLayer
        do {
            gpuLayer = try CUDADenseLayer(weights, module: try modules.module(.denseLayer), lanes: lanes, cpu: cpuLayer, metrics: metrics,
                                          report: report)
        } catch {
            guard routing != .everyBatch else {
                throw ModelValidationError("BERTH_DEVICE=cuda, but a dense layer cannot go onto the GPU: \(error.message)")
            }
            report("a dense layer stays on the CPU: it cannot go onto the GPU: \(error.message)")
            return cpuLayer
        }
        let (minimumRows, origin) = route(rowWidth: weights.inner) {
            GPUCrossover.measure(cpu: cpuLayer, gpu: gpuLayer, inner: weights.inner, columns: weights.columns)
        }
        return DeviceRoutedDenseLayer(cpu: cpuLayer, gpu: gpuLayer, minimumRows: minimumRows, origin: origin, metrics: metrics)
    }

    /// The smallest batch the GPU takes under `routing` and why; `measure` runs only when the routing is measured
    /// and rows of `rowWidth` values are narrow enough to time (`GPUCrossover.timedSizes(rowWidth:)`).
    private func route(rowWidth: Int, _ measure: () -> GPUCrossover.Measurement) -> (minimumRows: Int, origin: String) {
        switch routing {
        case .everyBatch:
            return (1, "BERTH_DEVICE=cuda")
        case .fromRows(let rows):
            return (rows, "BERTH_CUDA_MIN_ROWS=\(rows)")
        case .measured:
            guard !GPUCrossover.timedSizes(rowWidth: rowWidth).isEmpty else {
                return (Int.max, """
                    not measured: rows of \(rowWidth) values are too wide to time at load; set BERTH_CUDA_MIN_ROWS=N to send \
                    batches of N rows or more to the GPU
                    """)
            }
            let measurement = measure()
            guard let rows = measurement.minimumRows else {
                return (Int.max, "the GPU was slower at every size measured; rows: cpu / gpu: \(measurement.table)")
            }
            return (rows, "measured at load; rows: cpu / gpu: \(measurement.table)")
        }
    }
}
