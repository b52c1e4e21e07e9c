import CoreMetrics

/// What a multi-model endpoint measures besides each request and load (`RuntimeMetrics`): how many models it
/// holds, the bytes they take against the budget, and the models it unloaded, asked to or to make room. No metric
/// carries a model's name: an endpoint with thousands of models keeps the same few series.
struct MultiModelMetrics: Sendable {
    private let modelsLoaded: Gauge
    private let memory: Gauge
    private let memoryBudget: Gauge
    private let unloads: Counter
    private let evictions: Counter

    init(factory: any MetricsFactory) {
        modelsLoaded = Gauge(label: "berth_models_loaded", factory: factory)
        memory = Gauge(label: "berth_models_memory_bytes", factory: factory)
        memoryBudget = Gauge(label: "berth_models_memory_budget_bytes", factory: factory)
        unloads = Counter(label: "berth_model_unloads_total", factory: factory)
        evictions = Counter(label: "berth_model_evictions_total", factory: factory)
    }

    /// Models unloaded to make room (`evicted`) or because a client asked (`unloaded`).
    func recordRemovals(evicted: Int = 0, unloaded: Int = 0) {
        evictions.increment(by: evicted)
        unloads.increment(by: unloaded)
    }

    /// The registry's models now: how many, the bytes they hold, the budget.
    func recordModels(in registry: ModelRegistry) {
        modelsLoaded.record(registry.count)
        memory.record(registry.usedBytes)
        memoryBudget.record(registry.budgetBytes)
    }
}
