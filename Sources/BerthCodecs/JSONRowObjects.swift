import BerthCore
import BerthJSON

/// What each row's JSON object holds, worked out once per answer rather than once per row: the keys' `"name": `
/// text, already escaped, and the outputs whose values follow them. A row of one score is then written as bytes
/// and one number, with nothing allocated; a 10,000-row JSON answer took three times as long as its CSV one while
/// every row built its list of named values and escaped the key again.
struct JSONRowObjects {
    /// The selected outputs in the official JSON order, or nil when the object's one key is `score`.
    private let selection: OutputSelection?
    /// `selection`'s keys in that order.
    private let selectedKeys: [SelectableOutput]
    private let keyTexts: [[UInt8]]
    private let explanations: Explanations?
    private let explanationKeyText: [UInt8]

    /// The objects `options` asks for; `json` says whether the model's JSON default applies (it does for
    /// `application/json`, not for JSON Lines).
    init(options: ResponseEncodingOptions, json: Bool) {
        selection = options.selection ?? (json ? options.jsonDefault : nil)
        selectedKeys = selection?.jsonKeys ?? []
        keyTexts = selection == nil ? [Self.keyText("score")] : selectedKeys.map { Self.keyText($0.rawValue) }
        explanations = options.explanations
        explanationKeyText = explanations.map { Self.keyText($0.kind.rawValue) } ?? []
    }

    /// Every row's object in order, `separator` between two of them, before the first when `separatesFirst` (a later
    /// block of one document) and after the last when `endsWithSeparator` (JSON Lines' line ends).
    func appendRows(of predictions: Predictions, separator: StaticString, separatesFirst: Bool, endsWithSeparator: Bool,
                    to output: inout [UInt8]) {
        let separatorBytes = UnsafeBufferPointer(start: separator.utf8Start, count: separator.utf8CodeUnitCount)
        output.reserveCapacity(output.count + predictions.rowCount * (keyTexts.reduce(4) { $0 + $1.count + 24 } + separatorBytes.count))
        if selection == nil && explanations == nil && predictions.columnCount == 1 {
            appendScoreObjects(of: predictions, separator: separatorBytes, separatesFirst: separatesFirst, to: &output)
        } else {
            let wide = selection == nil ? [] : predictions.wideValues
            for row in 0..<predictions.rowCount {
                if row > 0 || separatesFirst { output.append(contentsOf: separatorBytes) }
                append(predictions, row: row, wideRow: selection == nil ? [] : wide[predictions.rowRange(row)], to: &output)
            }
        }
        if endsWithSeparator && predictions.rowCount > 0 { output.append(contentsOf: separatorBytes) }
    }

    /// `{"score": v}` for every row of one score each: the common answer, written without looking anything up per row.
    private func appendScoreObjects(of predictions: Predictions, separator: UnsafeBufferPointer<UInt8>, separatesFirst: Bool,
                                    to output: inout [UInt8]) {
        let opening: StaticString = #"{"score": "#
        let openingBytes = UnsafeBufferPointer(start: opening.utf8Start, count: opening.utf8CodeUnitCount)
        func appendObjects(_ score: (Int) -> Double) {
            for row in 0..<predictions.rowCount {
                if row > 0 || separatesFirst { output.append(contentsOf: separator) }
                output.append(contentsOf: openingBytes)
                JSONText.appendNumber(score(row), to: &output)
                output.append(UInt8(ascii: "}"))
            }
        }
        if let doubles = predictions.doubles {
            doubles.withUnsafeBufferPointer { doubles in appendObjects { doubles[$0] } }
        } else {
            predictions.values.withUnsafeBufferPointer { values in appendObjects { Double(values[$0]) } }
        }
    }

    /// `{"name": value, …}` for one row, with the row's explanation last when there is one; `wideRow` is the row's
    /// doubles where outputs are selected (a slice of `Predictions.wideValues`).
    private func append(_ predictions: Predictions, row: Int, wideRow: ArraySlice<Double>, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "{"))
        if let selection {
            for (index, key) in selectedKeys.enumerated() {
                if index > 0 { output.append(contentsOf: ", ".utf8) }
                output.append(contentsOf: keyTexts[index])
                selection.value(key, row: wideRow).appendJSON(to: &output)
            }
        } else {
            output.append(contentsOf: keyTexts[0])
            SelectedValue.score(predictions, row: row).appendJSON(to: &output)
        }
        if let explanations {
            output.append(contentsOf: ", ".utf8)
            output.append(contentsOf: explanationKeyText)
            explanations.appendJSON(row: row, to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// `"name": `, escaped as a JSON string.
    private static func keyText(_ name: String) -> [UInt8] {
        var text = [UInt8]()
        JSONText.appendString(name, to: &text)
        text.append(contentsOf: ": ".utf8)
        return text
    }
}
