import BerthCore
import BerthJSON

extension Explanations {
    /// Row `row`'s explanation as its JSON value (docs/explanations.md): contributions a list of features then the
    /// bias, or one such list per class; leaves a list of integers, one per tree; the margin a number, or one per class.
    func appendJSON(row: Int, to output: inout [UInt8]) {
        let values = self.row(row)
        switch kind {
        case .leaves:
            appendList(values.indices, to: &output) { output, index in output.append(contentsOf: String(Int(values[index])).utf8) }
        case .margin where groupCount == 1:
            JSONText.appendNumber(values[values.startIndex], to: &output)
        case .margin:
            appendList(values.indices, to: &output) { output, index in JSONText.appendNumber(values[index], to: &output) }
        case .contributions where groupCount == 1:
            appendList(values.indices, to: &output) { output, index in JSONText.appendNumber(values[index], to: &output) }
        case .contributions:
            appendList(0..<groupCount, to: &output) { output, group in
                let start = values.startIndex + group * width
                appendList(start ..< start + width, to: &output) { output, index in JSONText.appendNumber(values[index], to: &output) }
            }
        }
    }

    /// `[a, b, …]` as `json.dumps` spaces it.
    private func appendList(_ indices: Range<Int>, to output: inout [UInt8], element: (inout [UInt8], Int) -> Void) {
        output.append(UInt8(ascii: "["))
        for index in indices {
            if index > indices.lowerBound { output.append(contentsOf: ", ".utf8) }
            element(&output, index)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// The explanations as a matrix of predictions — a row per input row, its values flattened group after group —
    /// which is how CSV, NPY and RecordIO answers carry them.
    public var asPredictions: Predictions {
        Predictions(rowCount: rowCount, columnCount: valuesPerRow, doubles: values)
    }
}
