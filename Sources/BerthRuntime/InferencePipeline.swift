import BerthCodecs
import BerthCore

/// Decode → predict → select → encode for one body: the CPU-bound part of answering, shared by `/invocations`
/// and `berth predict` so both give the same bytes for the same input.
public struct InferencePipeline: Sendable {
    public let model: ServedModel
    public let decoding: RequestDecodingOptions
    public let encoding: ResponseEncodingOptions

    public init(model: ServedModel, configuration: BerthConfiguration) {
        self.model = model
        decoding = RequestDecodingOptions(libsvmIndexBase: configuration.serving.libsvmIndexBase,
                                          precision: model.compiled.featurePrecision)
        encoding = ResponseEncodingOptions(selection: model.outputSelection, batchFraming: configuration.batchTransform.enabled, jsonDefault: model.defaultJSONSelection)
    }

    /// The response bytes for `body` and how many records it answered; `firstLineNumber` numbers the body's
    /// lines in error messages.
    public func answer(_ body: UnsafeRawBufferPointer, from requestFormat: RequestFormat, to responseFormat: ResponseFormat,
                       firstLineNumber: Int = 1) throws(CodecError) -> (body: [UInt8], rowCount: Int) {
        let batch = try decode(body, from: requestFormat, firstLineNumber: firstLineNumber)
        return (encode(model.predictAlone(batch), to: responseFormat), batch.rowCount)
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

    /// The response bytes for predictions.
    public func encode(_ predictions: Predictions, to responseFormat: ResponseFormat) -> [UInt8] {
        model.metrics.measure(.encode) {
            var output = [UInt8]()
            responseFormat.encoder(options: encoding).encode(predictions, into: &output)
            return output
        }
    }
}
