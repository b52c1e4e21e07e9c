import BerthCore
import BerthJSON

/// `text/csv` responses.
///
/// Scores: one line per row, values comma-separated, every line ending in `\n` — what the official XGBoost
/// container writes (OBS-2, FMT-CSV-6); in batch mode a row of several scores is written as a list,
/// `[0.07, 0.28, 0.65]`, as the official container writes it there. Values print as the shortest text that reads
/// back as the same double, which is Python's `repr` and so the official container's output, digit for digit.
///
/// Selected outputs: one line per row with the keys in the variable's order, lists quoted (`"[0.1, 0.9]"`), lines
/// joined by `\n` with a final `\n` only in batch mode — the official container's selectable CSV (OBS-7).
public struct CSVEncoder: ResponseEncoder {
    public let options: ResponseEncodingOptions

    public init(options: ResponseEncodingOptions = .init()) {
        self.options = options
    }

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        guard let selection = options.selection else {
            encodeScores(predictions, into: &output)
            return
        }
        let wide = predictions.wideValues
        output.reserveCapacity(output.count + predictions.rowCount * selection.keys.count * 24)
        for row in 0..<predictions.rowCount {
            if row > 0 { output.append(UInt8(ascii: "\n")) }
            let values = wide[predictions.rowRange(row)]
            for (index, key) in selection.keys.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                selection.value(key, row: values).appendCSV(to: &output)
            }
        }
        if options.batchFraming { output.append(UInt8(ascii: "\n")) }
    }

    private func encodeScores(_ predictions: Predictions, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + predictions.values.count * 20)
        if options.writesBareScoreLines && predictions.columnCount > 1 {
            for row in 0..<predictions.rowCount {
                SelectedValue.score(predictions, row: row).appendJSON(to: &output)
                output.append(UInt8(ascii: "\n"))
            }
            return
        }
        for row in 0..<predictions.rowCount {
            for column in 0..<predictions.columnCount {
                if column > 0 { output.append(UInt8(ascii: ",")) }
                let index = row * predictions.columnCount + column
                let value = predictions.doubles?[index] ?? Double(predictions.values[index])
                ShortestDecimal.append(value, to: &output)
            }
            output.append(UInt8(ascii: "\n"))
        }
    }
}
