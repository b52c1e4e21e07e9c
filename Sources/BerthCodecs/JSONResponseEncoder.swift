import BerthCore
import BerthJSON

/// `application/json` responses: `{"predictions": [{"score": v}, …]}` with `v` a list when a row has several
/// outputs (`multi:softprob`), or one object of the selected outputs per row (by default, for an ONNX classifier,
/// its label and probabilities), spaced as Python's `json.dumps` spaces it. In batch mode the document ends with `\n`.
public struct JSONResponseEncoder: ResponseEncoder {
    public let options: ResponseEncodingOptions

    public init(options: ResponseEncodingOptions = .init()) {
        self.options = options
    }

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        appendOpening(to: &output)
        appendObjects(predictions, firstRow: 0, to: &output)
        appendClosing(to: &output)
    }

    /// `{"predictions": [`: what precedes the first row's object.
    func appendOpening(to output: inout [UInt8]) {
        output.append(contentsOf: #"{"predictions": ["#.utf8)
    }

    /// The objects of rows `firstRow ..< firstRow + predictions.rowCount` of the document (a block of them, when an
    /// answer is written a block at a time), each after a separator unless it is the document's first.
    func appendObjects(_ predictions: Predictions, firstRow: Int, to output: inout [UInt8]) {
        JSONRowObjects(options: options, json: true)
            .appendRows(of: predictions, separator: ", ", separatesFirst: firstRow > 0, endsWithSeparator: false, to: &output)
    }

    /// `]}`, and in batch mode the newline that ends the document.
    func appendClosing(to output: inout [UInt8]) {
        output.append(contentsOf: "]}".utf8)
        if options.batchFraming { output.append(UInt8(ascii: "\n")) }
    }
}

/// `application/jsonlines` responses: the same per-row objects as JSON, one per line, in row order — one output
/// line per input record, as batch transform's `AssembleWith=Line` needs (BT-8). In batch mode without selected
/// outputs each line is the row's bare scores (`0.81`, or `[0.07, 0.28, 0.65]`), as the official container writes them.
public struct JSONLinesEncoder: ResponseEncoder {
    public let options: ResponseEncodingOptions

    public init(options: ResponseEncodingOptions = .init()) {
        self.options = options
    }

    public func encode(_ predictions: Predictions, into output: inout [UInt8]) {
        if options.writesBareScoreLines {
            for row in 0..<predictions.rowCount {
                SelectedValue.score(predictions, row: row).appendJSON(to: &output)
                output.append(UInt8(ascii: "\n"))
            }
            return
        }
        JSONRowObjects(options: options, json: false)
            .appendRows(of: predictions, separator: "\n", separatesFirst: false, endsWithSeparator: true, to: &output)
    }
}
