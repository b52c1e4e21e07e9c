import BerthCore
import CoreMetrics

/// One model compiled for both devices, each batch sent by its size: from `minimumRows` rows to the GPU, smaller
/// ones to the CPU, where a single row is answered before a GPU copy would even start.
struct DeviceRoutedModel: CompiledModel {
    let cpu: any CompiledModel
    let gpu: any CompiledModel
    /// The smallest batch the GPU takes; `Int.max` when it never wins.
    let minimumRows: Int
    /// Where `minimumRows` came from, for `placement`.
    let origin: String
    /// Whether `gpu` computes contributions on the device (`CUDAForestModel.computesContributionsOnDevice`, which may
    /// build its device data on the first ask); where it does not, they run on the CPU model whatever the batch size,
    /// and are counted as CPU calls.
    var gpuComputesContributions: @Sendable () -> Bool = { false }
    var metrics = DeviceMetrics(factory: NOOPMetricsHandler.instance)

    var featureCount: Int { cpu.featureCount }
    var outputCount: Int { cpu.outputCount }
    var residentBytes: Int { cpu.residentBytes }
    var placement: Placement { .routed(minimumRows: minimumRows, reason: origin) }
    /// Both devices' models compare and answer alike; the CPU's says how (doubles for LightGBM and CatBoost).
    var featurePrecision: FeaturePrecision { cpu.featurePrecision }
    var outputPrecision: FeaturePrecision { cpu.outputPrecision }
    /// With every batch on the GPU (`BERTH_DEVICE=cuda`), a joined call is one launch and one copy each way instead
    /// of one per request: 1.4–2.4 × the requests a second with batching on, measured on an H200 at 64 connections
    /// of 1 row. Routed by size (`auto`), single requests run on the CPU and joined ones reach the GPU's latency:
    /// 0.8–1.1 × there, so no (docs/performance.md#dynamic-batching). On the CPU alone, the CPU model says.
    var gainsFromJoinedCalls: Bool { placement.runsEveryBatchOnGPU || (!placement.routesBySize && cpu.gainsFromJoinedCalls) }
    /// The CPU kernel's choice: batches below `minimumRows` run there.
    var kernelChoice: String? { cpu.kernelChoice }

    /// Contributions are routed like predictions: from `minimumRows` rows to the GPU model where it computes them
    /// there (`gpuComputesContributions`: XGBoost's TreeSHAP, `CUDATreeEnsembleModel.explain`, asked only for a batch
    /// of that size, since the first ask builds it), smaller batches and every other model's to the CPU; leaves and
    /// margins are the CPU kernel's. The threshold is the predictions'
    /// crossover, not one of its own: explaining a row costs O(leaves · depth²) where predicting it costs O(trees ·
    /// depth), on both devices, while a launch's fixed cost stays the same, so the GPU pays off for explanations from
    /// fewer rows than for predictions. Reusing the predictions' crossover is conservative (only batches the GPU might
    /// have won too stay on the CPU) and needs no second measurement at load. The one cost that grows the other way is
    /// the copy back (`features + 1` doubles a group a row), which a model of very many features might feel.
    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        guard kind == .contributions else { return try cpu.explain(batch, as: kind) }
        let onGPU = batch.rowCount >= minimumRows && gpuComputesContributions()
        metrics.recordCall(onGPU: onGPU)
        return try onGPU ? gpu.explain(batch, as: kind) : cpu.explain(batch, as: kind)
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        let onGPU = batch.rowCount >= minimumRows
        metrics.recordCall(onGPU: onGPU)
        return onGPU ? gpu.predict(batch) : cpu.predict(batch)
    }
}

/// A dense layer compiled for both devices, each call sent by its row count like `DeviceRoutedModel`.
struct DeviceRoutedDenseLayer: DenseLayer {
    let cpu: any DenseLayer
    let gpu: any DenseLayer
    let minimumRows: Int
    let origin: String
    var metrics = DeviceMetrics(factory: NOOPMetricsHandler.instance)

    var residentBytes: Int { cpu.residentBytes }
    var placement: Placement { .routed(minimumRows: minimumRows, reason: origin) }

    func multiply(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        metrics.recordCall(onGPU: rows >= minimumRows)
        if rows >= minimumRows {
            gpu.multiply(rows: rows, input: input, output: output)
        } else {
            cpu.multiply(rows: rows, input: input, output: output)
        }
    }
}
