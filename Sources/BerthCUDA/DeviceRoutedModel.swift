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
    var placement: String { Self.placement(minimumRows: minimumRows, origin: origin) }

    func predict(_ batch: FeatureBatch) -> Predictions {
        batch.rowCount >= minimumRows ? gpu.predict(batch) : cpu.predict(batch)
    }

    /// "cuda (every batch; …)", "cpu (…)" or "cuda for batches of N rows or more, cpu below (…)".
    static func placement(minimumRows: Int, origin: String) -> String {
        if minimumRows <= 1 { return "cuda (every batch; \(origin))" }
        if minimumRows == Int.max { return "cpu (\(origin))" }
        return "cuda for batches of \(minimumRows) rows or more, cpu below (\(origin))"
    }
}

/// A dense layer compiled for both devices, each call sent by its row count like `DeviceRoutedModel`.
struct DeviceRoutedDenseLayer: DenseLayer {
    let cpu: any DenseLayer
    let gpu: any DenseLayer
    let minimumRows: Int
    let origin: String

    var residentBytes: Int { cpu.residentBytes }
    var placement: String { DeviceRoutedModel.placement(minimumRows: minimumRows, origin: origin) }

    func multiply(rows: Int, input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>) {
        if rows >= minimumRows {
            gpu.multiply(rows: rows, input: input, output: output)
        } else {
            cpu.multiply(rows: rows, input: input, output: output)
        }
    }
}
