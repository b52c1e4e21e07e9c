import BerthCore
import BerthOpenInference

/// Reads an Open Inference Protocol infer request and answers it, as `POST /v2/models/{name}/infer` does. With the
/// first byte's top bit set, the body splits at its first NUL byte into the JSON header and the binary section (the
/// split `Inference-Header-Content-Length` gives a real request).
public func fuzzOpenInference(_ input: FuzzInput) {
    var body = input.body
    var headerLength: Int?
    if input.oneBasedIndices, let split = body.firstIndex(of: 0) {
        headerLength = split
        body.remove(at: split)
    }
    let featureCount = input.featureCount
    body.withUnsafeBytes { bytes in
        do throws(OpenInferenceError) {
            let request = try InferenceRequest(body: bytes, headerLength: headerLength, featureCount: featureCount)
            let features = request.features
            precondition(features.columnCount == featureCount && features.values.count == features.rowCount * featureCount,
                         "a feature batch that does not match its shape")
            precondition(!features.values.contains(where: \.isInfinite), "an infinite feature let through")
            let predictions = Predictions(rowCount: features.rowCount, columnCount: 1, values: [Float](repeating: 0.5, count: features.rowCount))
            do throws(OpenInferenceError) {
                _ = try InferenceResponse(predictions, to: request, model: ModelIdentity(name: "model"), outputName: "output__0")
            } catch {
                requireShortMessage(error.message)
            }
        } catch {
            requireShortMessage(error.message)
        }
    }
}
