import BerthCore

/// One model compiled for both devices, each batch sent by its size: from `minimumRows` rows to the GPU, smaller
/// ones to the CPU, where a single row is answered before a GPU copy would even start.
struct DeviceRoutedModel: CompiledModel {
    let cpu: any CompiledModel
    let gpu: any CompiledModel
    /// The smallest batch the GPU takes; `Int.max` when it never wins.
    let minimumRows: Int
    /// Where `minimumRows` came from, for `placement`.
    let origin: String

    var featureCount: Int { cpu.featureCount }
    var outputCount: Int { cpu.outputCount }
    var residentBytes: Int { cpu.residentBytes }

    var placement: String {
        if minimumRows <= 1 { return "cuda (every batch; \(origin))" }
        if minimumRows == Int.max { return "cpu (\(origin))" }
        return "cuda for batches of \(minimumRows) rows or more, cpu below (\(origin))"
    }

    func predict(_ batch: FeatureBatch) -> Predictions {
        batch.rowCount >= minimumRows ? gpu.predict(batch) : cpu.predict(batch)
    }
}
