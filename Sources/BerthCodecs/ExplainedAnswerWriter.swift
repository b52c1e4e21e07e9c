import BerthCore

/// The answer to a request that asks for explanations, written a block of rows at a time, so that only one block's
/// explanations are held at once however many values the whole answer has (contributions are `features + 1` values
/// a row and class; an answer can be far larger than its request, and SageMaker sets no limit on responses).
///
/// The bytes are those of one encoding of every row (docs/explanations.md): JSON and JSON Lines objects gain the
/// explanation's key; CSV, NPY and RecordIO answers are the explanations themselves, a row per input row. A writer
/// is opened once, given each block in row order, and closed.
public struct ExplainedAnswerWriter: Sendable {
    public let format: ResponseFormat
    /// The options the prediction keys of JSON objects are written with (selection, batch framing).
    public let options: ResponseEncodingOptions
    public let rowCount: Int
    /// Values each row's explanation has, the width of CSV, NPY and RecordIO answers.
    public let valuesPerRow: Int

    public init(format: ResponseFormat, options: ResponseEncodingOptions, rowCount: Int, valuesPerRow: Int) {
        self.format = format
        self.options = options
        self.rowCount = rowCount
        self.valuesPerRow = valuesPerRow
    }

    /// What precedes the first row: JSON's opening, NPY's header for the whole matrix.
    public func appendOpening(to output: inout [UInt8]) {
        switch format {
        case .json:
            JSONResponseEncoder(options: options).appendOpening(to: &output)
        case .npy:
            output.append(contentsOf: NPYHeader.header(descr: "<f8", shape: valuesPerRow == 1 ? [rowCount] : [rowCount, valuesPerRow]))
        case .csv, .jsonLines, .recordIO:
            break
        }
    }

    /// The rows `firstRow ..< firstRow + predictions.rowCount`: their predictions and their explanations.
    public func appendBlock(_ predictions: Predictions, explanations: Explanations, firstRow: Int, to output: inout [UInt8]) {
        precondition(predictions.rowCount == explanations.rowCount && explanations.valuesPerRow == valuesPerRow,
                     "a block's predictions and explanations must match the answer's shape")
        switch format {
        case .json:
            JSONResponseEncoder(options: options(with: explanations)).appendObjects(predictions, firstRow: firstRow, to: &output)
        case .jsonLines:
            JSONLinesEncoder(options: options(with: explanations)).encode(predictions, into: &output)
        case .npy:
            output.reserveCapacity(output.count + explanations.values.count * 8)
            for value in explanations.values { LittleEndian.appendUInt64(value.bitPattern, to: &output) }
        case .csv, .recordIO:
            // A plain matrix: CSV lines of comma-separated values, every line ending in `\n` (batch mode or not).
            format.encoder(options: ResponseEncodingOptions()).encode(explanations.asPredictions, into: &output)
        }
    }

    /// What follows the last row: JSON's closing (and batch framing's newline).
    public func appendClosing(to output: inout [UInt8]) {
        guard format == .json else { return }
        JSONResponseEncoder(options: options).appendClosing(to: &output)
    }

    /// The answer's options with a block's explanations, for the JSON and JSON Lines objects that carry them.
    private func options(with explanations: Explanations) -> ResponseEncodingOptions {
        var withExplanations = options
        withExplanations.explanations = explanations
        return withExplanations
    }
}
