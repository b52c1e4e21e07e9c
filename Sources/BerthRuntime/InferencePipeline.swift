import BerthCodecs
import BerthCore
import Synchronization

/// Decode → predict → select → encode for one body: the CPU-bound part of answering, shared by `/invocations`
/// and `berth predict` so both give the same bytes for the same input.
public struct InferencePipeline: Sendable {
    public let model: ServedModel
    /// How bodies are read; a request's own Content-Type may set `csvHeader`.
    public var decoding: RequestDecodingOptions
    public let encoding: ResponseEncodingOptions
    /// `BERTH_ANSWER_STYLE`: whose JSON answers to write.
    public let answerStyle: AnswerStyle
    /// `BERTH_EXPLAIN` (or `berth predict --explain`): what every answer explains unless the request says otherwise.
    public let defaultExplanation: ExplanationKind?

    public init(model: ServedModel, configuration: BerthConfiguration) {
        self.model = model
        decoding = RequestDecodingOptions(libsvmIndexBase: configuration.serving.libsvmIndexBase,
                                          precision: model.compiled.featurePrecision, schema: model.summary.schema,
                                          unknownFeatures: configuration.serving.unknownFeatures, csvHeader: configuration.serving.csvHeader,
                                          parallelism: configuration.compute.rowParallelism)
        encoding = ResponseEncodingOptions(selection: model.outputSelection, batchFraming: configuration.batchTransform.enabled, jsonDefault: model.defaultJSONSelection)
        answerStyle = configuration.serving.answerStyle
        defaultExplanation = configuration.serving.explain
    }

    /// The response bytes for `body` and how many records it answered; `firstLineNumber` numbers the body's
    /// lines in error messages; `verbose` is JumpStart's `application/json;verbose`; `explain`, what to explain of
    /// each row.
    public func answer(_ body: UnsafeRawBufferPointer, from requestFormat: RequestFormat, to responseFormat: ResponseFormat,
                       verbose: Bool = false, explain: ExplanationKind? = nil,
                       firstLineNumber: Int = 1) throws(CodecError) -> (body: [UInt8], rowCount: Int) {
        let isAlone = Self.answersRunning.add(1, ordering: .relaxed).newValue == 1
        defer { Self.answersRunning.subtract(1, ordering: .relaxed) }
        let batch = try decode(body, from: requestFormat, firstLineNumber: firstLineNumber, inPieces: isAlone)
        let predictions = model.predictAlone(batch)
        // A mini-batch of a file (`berth predict`) numbers its rows from its first record's line: past the CSV header
        // put before it, when the file has one.
        let headerLines = requestFormat == .csv && decoding.csvHeader == .present ? 1 : 0
        if let refusal = predictions.refusal(recordsFromLine: firstLineNumber == 1 ? nil : firstLineNumber + headerLines) { throw refusal }
        guard let explain else { return (encode(predictions, to: responseFormat, verbose: verbose), batch.rowCount) }
        return (try explainedAnswer(batch, predictions: predictions, as: explain, to: responseFormat), batch.rowCount)
    }

    /// Values of explanations one block of an explained answer holds at most (8 MiB of doubles), past its first row.
    public static let explanationBlockValues = 1 << 20

    /// The answer to `batch` with each row's explanation, explained and written a block of rows at a time so that the
    /// explanations held at once stay within `explanationBlockValues`, however large the whole answer is. The first
    /// block (at most 64 rows, and no more than `blockValues`) tells the width of a row's explanation, which sizes the rest.
    /// The explain and encode stages are recorded once for the whole answer, as for any other request.
    public func explainedAnswer(_ batch: FeatureBatch, predictions: Predictions, as kind: ExplanationKind, to responseFormat: ResponseFormat,
                                blockValues: Int = explanationBlockValues) throws(CodecError) -> [UInt8] {
        var output = [UInt8]()
        var writer: ExplainedAnswerWriter?
        var firstRow = 0
        var explaining = Duration.zero, writing = Duration.zero
        while firstRow < batch.rowCount {
            let blockRows = writer.map { max(1, blockValues / max(1, $0.valuesPerRow)) } ?? min(64, max(1, blockValues))
            let rows = firstRow ..< min(batch.rowCount, firstRow + blockRows)
            let started = ContinuousClock.now
            let explanations = try explain(rows.count == batch.rowCount ? batch : batch.rows(rows), as: kind)
            let explained = ContinuousClock.now
            if writer == nil {
                writer = ExplainedAnswerWriter(format: responseFormat, options: encoding, rowCount: batch.rowCount,
                                               valuesPerRow: explanations.valuesPerRow)
                writer!.appendOpening(to: &output)
            }
            writer!.appendBlock(rows.count == batch.rowCount ? predictions : predictions.rows(rows), explanations: explanations,
                                firstRow: firstRow, to: &output)
            explaining += explained - started
            writing += ContinuousClock.now - explained
            firstRow = rows.upperBound
        }
        let closing = ContinuousClock.now
        writer?.appendClosing(to: &output)
        model.metrics.recordExplanation(kind, rows: batch.rowCount, duration: explaining)
        model.metrics.record(.encode, writing + (ContinuousClock.now - closing))
        return output
    }

    /// The rows' explanations, or a 400 saying why this model cannot give them.
    public func explain(_ batch: FeatureBatch, as kind: ExplanationKind) throws(CodecError) -> Explanations {
        do {
            return try model.compiled.explain(batch, as: kind)
        } catch {
            throw CodecError(.badRequest, "explain=\(kind.rawValue) cannot be answered for this \(model.summary.format) model (\(model.summary.kind)): \(error.reason)")
        }
    }

    /// Answers running in the process at this moment (`answer`). A large body is read in pieces on idle cores only
    /// by an answer running alone: beside another, the cores may be busy decoding or encoding, work that
    /// `RowParallelism` does not count, and a split would only add hand-offs (at 16 connections of 10,000-row CSV
    /// it gave 0.92 × the rows a second at 1.09 × the CPU a row).
    static let answersRunning = Atomic<Int>(0)

    /// The rows of a request body; `inPieces` false keeps a large body's decoding on this thread.
    public func decode(_ body: UnsafeRawBufferPointer, from requestFormat: RequestFormat, firstLineNumber: Int = 1,
                       inPieces: Bool = true) throws(CodecError) -> FeatureBatch {
        var options = decoding
        options.firstLineNumber = firstLineNumber
        if !inPieces { options.parallelism = nil }
        let batch = try model.metrics.measure(.decode) { () throws(CodecError) in
            let batch = try requestFormat.decoder(options: options).decode(body, featureCount: model.featureCount)
            // The line formats refuse an infinite value naming its line (`BodyLines`); the rest here, by row.
            if !requestFormat.isLineOriented, let index = batch.firstInfiniteIndex {
                throw CodecError.infiniteValue(at: "row \(index / batch.columnCount + 1) of the request, column \(index % batch.columnCount + 1)",
                                               keptDoubles: batch.doubles != nil)
            }
            return batch
        }
        model.metrics.recordRequest(rows: batch.rowCount)
        return batch
    }

    /// The response bytes for predictions: JumpStart's JSON when the style says so or the client asked for the
    /// verbose answer only JumpStart's clients ask for, the official container's otherwise. (Answers with
    /// explanations are `explainedAnswer`'s.)
    public func encode(_ predictions: Predictions, to responseFormat: ResponseFormat, verbose: Bool = false) -> [UInt8] {
        model.metrics.measure(.encode) {
            var output = [UInt8]()
            if responseFormat == .json && (verbose || answerStyle == .jumpStart) {
                JumpStartJSONEncoder(meaning: model.summary.meaning, verbose: verbose).encode(predictions, into: &output)
                if encoding.batchFraming { output.append(UInt8(ascii: "\n")) }
            } else {
                responseFormat.encoder(options: encoding).encode(predictions, into: &output)
            }
            return output
        }
    }
}
