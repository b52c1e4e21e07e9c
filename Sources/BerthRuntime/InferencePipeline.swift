import BerthCodecs
import BerthCore

/// Decode → predict → select → encode for one body: the CPU-bound part of answering, shared by `/invocations`
/// and `berth predict` so both give the same bytes for the same input.
public struct InferencePipeline: Sendable {
    public let model: ServedModel
    public let decoding: RequestDecodingOptions
    public let encoding: ResponseEncodingOptions
    /// `BERTH_ANSWER_STYLE`: whose JSON answers to write.
    public let answerStyle: AnswerStyle

    public init(model: ServedModel, configuration: BerthConfiguration) {
        self.model = model
        decoding = RequestDecodingOptions(libsvmIndexBase: configuration.serving.libsvmIndexBase,
                                          precision: model.compiled.featurePrecision)
        encoding = ResponseEncodingOptions(selection: model.outputSelection, batchFraming: configuration.batchTransform.enabled, jsonDefault: model.defaultJSONSelection)
        answerStyle = configuration.serving.answerStyle
    }

    /// The response bytes for `body` and how many records it answered; `firstLineNumber` numbers the body's
    /// lines in error messages; `verbose` is JumpStart's `application/json;verbose`.
    public func answer(_ body: UnsafeRawBufferPointer, from requestFormat: RequestFormat, to responseFormat: ResponseFormat,
                       verbose: Bool = false, firstLineNumber: Int = 1) throws(CodecError) -> (body: [UInt8], rowCount: Int) {
        let batch = try decode(body, from: requestFormat, firstLineNumber: firstLineNumber)
        return (encode(model.predictAlone(batch), to: responseFormat, verbose: verbose), batch.rowCount)
    }

    /// The rows of a request body.
    public func decode(_ body: UnsafeRawBufferPointer, from requestFormat: RequestFormat, firstLineNumber: Int = 1) throws(CodecError) -> FeatureBatch {
        var options = decoding
        options.firstLineNumber = firstLineNumber
        let batch = try model.metrics.measure(.decode) { () throws(CodecError) in
            try requestFormat.decoder(options: options).decode(body, featureCount: model.featureCount)
        }
        model.metrics.recordRequest(rows: batch.rowCount)
        return batch
    }

    /// The response bytes for predictions: JumpStart's JSON when the style says so or the client asked for the
    /// verbose answer only JumpStart's clients ask for, the official container's otherwise.
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
