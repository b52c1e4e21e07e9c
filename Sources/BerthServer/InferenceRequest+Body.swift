import BerthCore
import BerthOpenInference
import BerthRuntime
import NIOCore

extension InferenceRequest {
    /// The infer request in a collected body, read for `model`: its feature count, and its precision (a model that
    /// compares doubles keeps each element's double). The `/v2` infer route and `/invocations` read them alike, timed
    /// as the decode stage and counted as a request's rows, as every other prediction is. A body of
    /// `InvocationHandler.offloadBodyBytes` or more is parsed on a Dispatch thread, so that it cannot hold up `/ping`.
    static func read(_ body: ByteBuffer, headerLength: Int?, for model: ServedModel) async throws(OpenInferenceError) -> InferenceRequest {
        guard body.readableBytes >= InvocationHandler.offloadBodyBytes else {
            return try readHere(body, headerLength: headerLength, for: model)
        }
        return try await offCooperativePool { () throws(OpenInferenceError) in
            try readHere(body, headerLength: headerLength, for: model)
        }
    }

    private static func readHere(_ body: ByteBuffer, headerLength: Int?, for model: ServedModel) throws(OpenInferenceError) -> InferenceRequest {
        let featureCount = model.featureCount
        let precision = model.compiled.featurePrecision
        let inference = try model.metrics.measure(.decode) { () throws(OpenInferenceError) in
            try body.withUnsafeReadableBytes { bytes in
                Result { () throws(OpenInferenceError) in
                    try InferenceRequest(body: bytes, headerLength: headerLength, featureCount: featureCount, precision: precision)
                }
            }.get()
        }
        model.metrics.recordRequest(rows: inference.features.rowCount)
        return inference
    }
}
