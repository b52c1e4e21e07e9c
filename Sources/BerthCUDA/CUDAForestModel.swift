import BerthCore

/// A forest on the GPU whose batches the CPU answers when the GPU fails them: the failure is counted by kernel,
/// reported, and the same batch goes to `cpu` (the same model compiled for the CPU), so a request never fails because
/// the GPU did. The XGBoost, LightGBM and CatBoost GPU models share this `predict`, and explain on the CPU unless they
/// say otherwise (XGBoost's contributions, `CUDATreeEnsembleModel.explain`).
protocol CUDAForestModel: CompiledModel {
    /// The kernel `berth_gpu_fallbacks_total` counts this model's failures under.
    static var kernel: DeviceMetrics.Kernel { get }
    var cpu: any CompiledModel { get }
    var metrics: DeviceMetrics { get }
    var report: @Sendable (String) -> Void { get }
    /// Whether `explain` computes contributions on the GPU; the router sends them to the CPU model where not. A model
    /// may prepare its device data for them on the first read (`CUDATreeEnsembleModel.shap`).
    var computesContributionsOnDevice: Bool { get }
    /// The batch on the GPU, or the CUDA error that stopped it.
    func predictOnDevice(_ batch: FeatureBatch) throws(CUDAUnavailable) -> Predictions
}

extension CUDAForestModel {
    func predict(_ batch: FeatureBatch) -> Predictions {
        precondition(batch.columnCount == featureCount, "caller must check the feature count")
        do {
            return try predictOnDevice(batch)
        } catch {
            metrics.recordFallback(Self.kernel)
            report("the GPU failed a batch; it was answered on the CPU: \(error.message)")
            return cpu.predict(batch)
        }
    }

    var computesContributionsOnDevice: Bool { false }

    func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(ExplanationRefusal) -> Explanations {
        try cpu.explain(batch, as: kind)
    }
}
