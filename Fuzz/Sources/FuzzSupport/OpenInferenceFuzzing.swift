import BerthCore
import BerthOpenInference

/// Reads an Open Inference Protocol infer request and answers it, as `POST /v2/models/{name}/infer` does. With the
/// first byte's top bit set, the body splits at its first NUL byte into the JSON header and the binary section (the
/// split `Inference-Header-Content-Length` gives a real request). With bit 6 set, the model compares doubles (LightGBM):
/// the request keeps them, and the answer is FP64.
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
            let request = try InferenceRequest(body: bytes, headerLength: headerLength, featureCount: featureCount,
                                               precision: input.keepsDoubles ? .float64 : .float32)
            let features = request.features
            precondition(features.columnCount == featureCount && features.values.count == features.rowCount * featureCount,
                         "a feature batch that does not match its shape")
            if let doubles = features.doubles {
                precondition(doubles.count == features.values.count, "kept doubles that do not match the values")
                precondition(!doubles.contains(where: \.isInfinite), "an infinite feature let through")
            } else {
                precondition(!input.keepsDoubles, "asked to keep doubles, the request kept none")
                precondition(!features.values.contains(where: \.isInfinite), "an infinite feature let through")
            }
            let predictions = input.keepsDoubles
                ? Predictions(rowCount: features.rowCount, columnCount: 1, doubles: [Double](repeating: 0.5, count: features.rowCount))
                : Predictions(rowCount: features.rowCount, columnCount: 1, values: [Float](repeating: 0.5, count: features.rowCount))
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
