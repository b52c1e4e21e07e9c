import BerthCore
import BerthFormats

/// Runs a model file of one format through start-up's whole road — read, compile, one prediction on missing
/// values, one on zeros and one on values beyond an integer (1e19, -1e30) — the way `ModelLoader` does, and with
/// `explain` every explanation of the same rows (an answer of the right shape, or a short refusal). The rows a
/// model refuses must be its own, in order, each with a short reason. Other formats are left to their own targets.
///
/// A few bytes can declare millions of features; the harness's own rows would then cost seconds of instrumented
/// copying a run (a request that wide is megabytes Berth must decode first), so past `widestPredictedModel` columns
/// a model is read and compiled but predicts one row only.
public func fuzzModel(_ format: ModelFormat, _ input: FuzzInput, explain: Bool = false) {
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
    let zeroRows = model.featureCount > widestPredictedModel ? 0 : 5
    for batch in [FeatureBatch.allMissing(rowCount: 1, columnCount: model.featureCount),
                  FeatureBatch(rowCount: zeroRows, columnCount: model.featureCount, values: Array(repeating: 0, count: zeroRows * model.featureCount)),
                  FeatureBatch(rowCount: min(zeroRows, 2), columnCount: model.featureCount,
                               values: (0..<min(zeroRows, 2) * model.featureCount).map { $0 % 2 == 0 ? 1e19 : -1e30 })]
    where batch.rowCount > 0 {
        let predictions = model.predict(batch)
        precondition(predictions.rowCount == batch.rowCount && predictions.columnCount == model.outputCount, "prediction of the wrong shape")
        precondition(zip(predictions.refusals, predictions.refusals.dropFirst()).allSatisfy { $0.row < $1.row }
                     && predictions.refusals.allSatisfy { (0..<batch.rowCount).contains($0.row) }, "refused rows out of order or range")
        for refusal in predictions.refusals { requireShortMessage(refusal.reason) }
        // An explanation holds outputs × (features + 1) values a row, which a few bytes can make gigabytes wide.
        guard explain, model.outputCount * (model.featureCount + 1) <= widestExplainedRow else { continue }
        for kind in ExplanationKind.allCases {
            do {
                let explained = try model.explain(batch, as: kind)
                precondition(explained.rowCount == batch.rowCount && explained.values.count == batch.rowCount * explained.valuesPerRow,
                             "explanation of the wrong shape")
            } catch {
                requireShortMessage(error.description)
            }
        }
    }
}

/// The widest model `fuzzModel` predicts more than one row of.
let widestPredictedModel = 1 << 16

/// The most values one row's explanation may hold for `fuzzModel` to ask for it.
let widestExplainedRow = 1 << 20
