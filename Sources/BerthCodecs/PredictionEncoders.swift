import BerthCore
import BerthJSON

/// `text/csv`: one line per row, values comma-separated, every line ending in `\n` — what the official
/// XGBoost container writes (OBS-2, FMT-CSV-6). Values print as the shortest text that reads back as the same
/// double, which is Python's `repr` and so the official container's output, digit for digit.
public struct CSVEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        output.reserveCapacity(output.count + predictions.values.count * 20)
        for row in 0..<predictions.rowCount {
            for column in 0..<predictions.columnCount {
                if column > 0 { output.append(UInt8(ascii: ",")) }
                output.append(contentsOf: Double(predictions.values[row * predictions.columnCount + column]).description.utf8)
            }
            output.append(UInt8(ascii: "\n"))
        }
    }
}

/// `application/json`: `{"predictions": [{"score": v}, …]}` with `v` a list when a row has several outputs
/// (`multi:softprob`), spaced as Python's `json.dumps` spaces it.
public struct JSONResponseEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        output.append(contentsOf: #"{"predictions": ["#.utf8)
        for row in 0..<predictions.rowCount {
            if row > 0 { output.append(contentsOf: ", ".utf8) }
            appendScore(predictions, row: row, into: &output)
        }
        output.append(contentsOf: "]}".utf8)
    }
}

/// `application/jsonlines`: one `{"score": v}` object per line, in row order — one output line per input
/// record, as batch transform's `AssembleWith=Line` needs (BT-8).
public struct JSONLinesEncoder: ResponseEncoder {
    public init() {}

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        for row in 0..<predictions.rowCount {
            appendScore(predictions, row: row, into: &output)
            output.append(UInt8(ascii: "\n"))
        }
    }
}

/// `{"score": v}` for one row.
func appendScore(_ predictions: Predictions, row: Int, into output: inout [UInt8]) {
    output.append(contentsOf: #"{"score": "#.utf8)
    let values = predictions.row(row)
    if values.count == 1 {
        JSONText.appendNumber(Double(values.first!), to: &output)
    } else {
        output.append(UInt8(ascii: "["))
        for (index, value) in values.enumerated() {
            if index > 0 { output.append(contentsOf: ", ".utf8) }
            JSONText.appendNumber(Double(value), to: &output)
        }
        output.append(UInt8(ascii: "]"))
    }
    output.append(UInt8(ascii: "}"))
}
