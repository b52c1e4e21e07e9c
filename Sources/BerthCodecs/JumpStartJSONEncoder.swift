import BerthCore

/// `application/json` answers shaped as SageMaker JumpStart's LightGBM and CatBoost inference scripts shape them
/// (docs/http-api.md#jumpstart-answers): one object for the whole request, a list per key.
///
/// Classifiers: `{"probabilities-1d": [[p₁ …], …], "probabilities": [[p₀, p₁ …], …]}` — for a binary model
/// `[[p], …]` and `[[1 - p, p], …]`; every class but the first in `probabilities-1d` — and, when verbose
/// (`Accept: application/json;verbose`), `"predicted_label": [i, …]`, the index of the most probable class (numpy's
/// `argmax`, the first on a tie), not its name. Everything else: `{"prediction": [v, …]}` (a list per row for
/// several outputs). Numbers are written as Python's `json.dumps` writes the float64 arrays those scripts return.
public struct JumpStartJSONEncoder: ResponseEncoder {
    public let meaning: PredictionMeaning
    public let verbose: Bool

    public init(meaning: PredictionMeaning, verbose: Bool) {
        self.meaning = meaning
        self.verbose = verbose
    }

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        let rows = 0..<predictions.rowCount
        switch meaning {
        case .binaryProbability, .classProbabilities:
            let wide = predictions.wideValues
            let probabilities = rows.map { row -> [Double] in
                let values = Array(wide[predictions.rowRange(row)])
                guard values.count == 1 else { return values }
                return [1 - values[0], values[0]]
            }
            output.append(contentsOf: #"{"probabilities-1d": "#.utf8)
            appendRows(probabilities.map { .numbers(Array($0.dropFirst())) }, to: &output)
            output.append(contentsOf: #", "probabilities": "#.utf8)
            appendRows(probabilities.map { .numbers($0) }, to: &output)
            if verbose {
                output.append(contentsOf: #", "predicted_label": "#.utf8)
                SelectedValue.integers(probabilities.map { OutputSelection.argmax($0[...]) }).appendJSON(to: &output)
            }
        default:
            output.append(contentsOf: #"{"prediction": "#.utf8)
            appendRows(rows.map { .score(predictions, row: $0) }, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// `[v, …]`, each row's value as `json.dumps` writes it.
    private func appendRows(_ rows: [SelectedValue], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, row) in rows.enumerated() {
            if index > 0 { output.append(contentsOf: ", ".utf8) }
            row.appendJSON(to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }
}
