import BerthCore
import BerthJSON

/// One selected output of one row, typed the way the official container's Python values are typed, so each
/// encoding prints it the same way: `1` for an integer label, `1.0` for a label that was a float, `[0, 1]` for
/// the label list, `[0.1, 0.9]` for probabilities; and the string class labels ONNX classifiers may have.
public enum SelectedValue: Sendable, Equatable {
    case integer(Int)
    case number(Double)
    case integers([Int])
    case numbers([Double])
    /// A string class label and its class index (what binary encodings carry, as they hold only numbers).
    case string(String, classIndex: Int)
    case strings([String])

    /// A row's scores as one value: a number, or a list when the row has several (`multi:softprob`).
    static func score(_ predictions: Predictions, row: Int) -> SelectedValue {
        if predictions.doubles != nil {
            let values = predictions.wideRow(row)
            return values.count == 1 ? .number(values[values.startIndex]) : .numbers(Array(values))
        }
        let values = predictions.row(row)
        return values.count == 1 ? .number(Double(values[values.startIndex])) : .numbers(values.map(Double.init))
    }

    /// Python's `str()` of the value, which is how the official container writes a CSV field; lists are quoted
    /// because their text holds commas (`"[0.1, 0.9]"`).
    func appendCSV(to output: inout [UInt8]) {
        switch self {
        case .integer, .number:
            appendJSON(to: &output)
        case .string(let label, _):
            // Plain, as Python's str() writes it; quoted (RFC 4180) only when it holds a comma, quote or newline.
            if label.contains(where: { $0 == "," || $0 == "\"" || $0.isNewline }) {
                output.append(contentsOf: ("\"" + label.replacing("\"", with: "\"\"") + "\"").utf8)
            } else {
                output.append(contentsOf: label.utf8)
            }
        case .strings(let labels):
            // Python's str() of a list of strings: single quotes, then the field quoted for its commas.
            let list = "[" + labels.map { "'" + $0.replacing("'", with: "\\'") + "'" }.joined(separator: ", ") + "]"
            output.append(contentsOf: ("\"" + list.replacing("\"", with: "\"\"") + "\"").utf8)
        case .integers, .numbers:
            output.append(UInt8(ascii: "\""))
            appendJSON(to: &output)
            output.append(UInt8(ascii: "\""))
        }
    }

    /// The value as `json.dumps` writes it (`, ` between list elements).
    func appendJSON(to output: inout [UInt8]) {
        switch self {
        case .integer(let value): output.append(contentsOf: String(value).utf8)
        case .number(let value): JSONText.appendNumber(value, to: &output)
        case .integers(let values): appendList(values, to: &output) { $0.append(contentsOf: String($1).utf8) }
        case .numbers(let values): appendList(values, to: &output) { JSONText.appendNumber($1, to: &$0) }
        case .string(let label, _): JSONText.appendString(label, to: &output)
        case .strings(let labels): appendList(labels, to: &output) { JSONText.appendString($1, to: &$0) }
        }
    }

    private func appendList<Element>(_ values: [Element], to output: inout [UInt8],
                                     appendElement: (inout [UInt8], Element) -> Void) {
        output.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { output.append(contentsOf: ", ".utf8) }
            appendElement(&output, value)
        }
        output.append(UInt8(ascii: "]"))
    }

    /// The value as float32 numbers, for the RecordIO `float32_tensor` and the NPY matrix; string labels become
    /// their class indexes.
    var float32s: [Float] {
        switch self {
        case .integer(let value): [Float(value)]
        case .number(let value): [Float(value)]
        case .integers(let values): values.map(Float.init)
        case .numbers(let values): values.map(Float.init)
        case .string(_, let classIndex): [Float(classIndex)]
        case .strings(let labels): labels.indices.map(Float.init)
        }
    }
}
