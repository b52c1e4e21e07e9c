import BerthCore
import BerthFormats

/// Runs a model file of one format through start-up's whole road — read, compile, one prediction on missing
/// values and one on zeros — the way `ModelLoader` does. Other formats are left to their own targets.
public func fuzzModel(_ format: ModelFormat, _ input: FuzzInput) {
    guard ModelFormat.detect(input.bytes) == format else { return }
    let loaded: LoadedModel
    do {
        loaded = try ModelReader.read(file: "model", bytes: input.bytes)
    } catch {
        requireShortMessage(error.description)
        return
    }
    let model: any CompiledModel
    do {
        model = try CPUBackend(parallelism: RowParallelism(threadCount: 1)).compile(loaded.ir)
    } catch {
        requireShortMessage(error.description)
        return
    }
    for batch in [FeatureBatch.allMissing(rowCount: 1, columnCount: model.featureCount),
                  FeatureBatch(rowCount: 5, columnCount: model.featureCount, values: Array(repeating: 0, count: 5 * model.featureCount))] {
        let predictions = model.predict(batch)
        precondition(predictions.rowCount == batch.rowCount && predictions.columnCount == model.outputCount, "prediction of the wrong shape")
    }
}
