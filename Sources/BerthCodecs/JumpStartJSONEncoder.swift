import BerthCore
import BerthJSON

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
            let probabilities = rows.map { row -> [Double] in
                let values = Array(predictions.wideRow(row))
                guard values.count == 1 else { return values }
                return [1 - values[0], values[0]]
            }
            output.append(contentsOf: #"{"probabilities-1d": "#.utf8)
            appendRows(probabilities.map { Array($0.dropFirst()) }, to: &output)
            output.append(contentsOf: #", "probabilities": "#.utf8)
            appendRows(probabilities, to: &output)
            if verbose {
                output.append(contentsOf: #", "predicted_label": ["#.utf8)
                for (index, row) in probabilities.enumerated() {
                    if index > 0 { output.append(contentsOf: ", ".utf8) }
                    var best = 0
                    for column in row.indices where row[column] > row[best] { best = column }
                    output.append(contentsOf: String(best).utf8)
                }
                output.append(UInt8(ascii: "]"))
            }
        default:
            output.append(contentsOf: #"{"prediction": ["#.utf8)
            for row in rows {
                if row > 0 { output.append(contentsOf: ", ".utf8) }
                let values = predictions.wideRow(row)
                if values.count == 1 {
                    JSONText.appendNumber(values[values.startIndex], to: &output)
                } else {
                    appendList(Array(values), to: &output)
                }
            }
            output.append(UInt8(ascii: "]"))
        }
        output.append(UInt8(ascii: "}"))
    }

    private func appendRows(_ rows: [[Double]], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, row) in rows.enumerated() {
            if index > 0 { output.append(contentsOf: ", ".utf8) }
            appendList(row, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }

    private func appendList(_ values: [Double], to output: inout [UInt8]) {
        output.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { output.append(contentsOf: ", ".utf8) }
            JSONText.appendNumber(value, to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }
}
