import CoreMetrics

/// What a bound GPU backend measures (docs/observability.md): the kernel calls of its forests and dense layers by
/// the device that ran them, and the calls the GPU failed and the CPU answered instead, by kernel (XGBoost and ONNX
/// forests, LightGBM's double forests, CatBoost's oblivious forests, dense layers). Present only where a GPU is
/// bound, so a scrape also tells whether one is.
struct DeviceMetrics: Sendable {
    private let cpuCalls: Counter
    private let cudaCalls: Counter
    private let forestFallbacks: Counter
    private let doubleForestFallbacks: Counter
    private let obliviousForestFallbacks: Counter
    private let denseFallbacks: Counter

    init(factory: any MetricsFactory) {
        cpuCalls = Counter(label: "berth_device_kernel_calls_total", dimensions: [("device", "cpu")], factory: factory)
        cudaCalls = Counter(label: "berth_device_kernel_calls_total", dimensions: [("device", "cuda")], factory: factory)
        forestFallbacks = Counter(label: "berth_gpu_fallbacks_total", dimensions: [("kernel", "forest")], factory: factory)
        doubleForestFallbacks = Counter(label: "berth_gpu_fallbacks_total", dimensions: [("kernel", "double_forest")], factory: factory)
        obliviousForestFallbacks = Counter(label: "berth_gpu_fallbacks_total", dimensions: [("kernel", "oblivious_forest")], factory: factory)
        denseFallbacks = Counter(label: "berth_gpu_fallbacks_total", dimensions: [("kernel", "dense_layer")], factory: factory)
    }

    /// A kernel call of a forest or dense layer routed by batch size, on the GPU or on the CPU.
    func recordCall(onGPU: Bool) {
        (onGPU ? cudaCalls : cpuCalls).increment()
    }

    /// A call the GPU failed, answered on the CPU.
    func recordForestFallback() { forestFallbacks.increment() }
    func recordDoubleForestFallback() { doubleForestFallbacks.increment() }
    func recordObliviousForestFallback() { obliviousForestFallbacks.increment() }
    func recordDenseFallback() { denseFallbacks.increment() }
}
