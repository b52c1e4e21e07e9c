import CoreMetrics

/// What a bound GPU backend measures (docs/observability.md): the kernel calls of its forests and dense layers by
/// the device that ran them, and the calls the GPU failed and the CPU answered instead, by kernel (XGBoost and ONNX
/// forests, XGBoost's contributions, LightGBM's double forests, CatBoost's oblivious forests, dense layers). Present
/// only where a GPU is bound, so a scrape also tells whether one is.
struct DeviceMetrics: Sendable {
    private let cpuCalls: Counter
    private let cudaCalls: Counter
    private let fallbacks: [Kernel: Counter]

    /// The GPU kernels, the values of `berth_gpu_fallbacks_total{kernel}`.
    enum Kernel: String, CaseIterable {
        /// XGBoost and ONNX forests.
        case forest
        /// XGBoost forests' contributions (TreeSHAP).
        case treeSHAP = "tree_shap"
        /// LightGBM's forests and CatBoost's non-symmetric trees.
        case doubleForest = "double_forest"
        /// CatBoost's oblivious trees.
        case obliviousForest = "oblivious_forest"
        /// ONNX dense layers.
        case denseLayer = "dense_layer"
    }

    init(factory: any MetricsFactory) {
        cpuCalls = Counter(label: "berth_device_kernel_calls_total", dimensions: [("device", "cpu")], factory: factory)
        cudaCalls = Counter(label: "berth_device_kernel_calls_total", dimensions: [("device", "cuda")], factory: factory)
        fallbacks = Dictionary(uniqueKeysWithValues: Kernel.allCases.map { kernel in
            (kernel, Counter(label: "berth_gpu_fallbacks_total", dimensions: [("kernel", kernel.rawValue)], factory: factory))
        })
    }

    /// A kernel call of a forest or dense layer routed by batch size, on the GPU or on the CPU.
    func recordCall(onGPU: Bool) {
        (onGPU ? cudaCalls : cpuCalls).increment()
    }

    /// A call of `kernel` the GPU failed, answered on the CPU.
    func recordFallback(_ kernel: Kernel) { fallbacks[kernel]?.increment() }
}
