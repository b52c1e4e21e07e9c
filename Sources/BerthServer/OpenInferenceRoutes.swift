import BerthCodecs
import BerthCore
import BerthOpenInference
import BerthRuntime
import BerthText
import HTTPTypes
import Hummingbird

/// The Open Inference Protocol's REST routes (KServe V2; the HTTP API Triton's clients speak: docs/open-inference.md)
/// beside SageMaker's, on the same port: health, server and model metadata, model readiness and infer, for the one
/// model of `berth serve` (named by `BERTH_MODEL_NAME`) or every model a multi-model endpoint has loaded.
///
/// Errors take the protocol's form, `{"error": "…"}`: 400 for a request that cannot be read, 404 for a model or
/// version not served, 503 while the model loads; never a 500 for a client's mistake.
struct OpenInferenceRoutes: Sendable {
    /// What a model name resolves to.
    enum Lookup {
        case ready(ServedModel)
        case unavailable(InvocationFailure)
    }

    let serving: ServingSettings
    let version: String
    /// Whether the server as a whole is ready (`/v2/health/ready`).
    let isReady: @Sendable () -> Bool
    /// The model a request names.
    let lookup: @Sendable (String) -> Lookup

    static let headerLength = HTTPField.Name("Inference-Header-Content-Length")!
    /// The one version each model has.
    static let modelVersion = "1"

    func register(on routes: MeasuredRoutes) {
        routes.on(.get, "v2/health/live") { _, _ in Self.json(.ok, Array(#"{"live": true}"#.utf8)) }
        routes.on(.get, "v2/health/ready") { _, _ in
            isReady() ? Self.json(.ok, Array(#"{"ready": true}"#.utf8)) : Self.json(.serviceUnavailable, Array(#"{"ready": false}"#.utf8))
        }
        routes.on(.get, "v2") { _, _ in Self.json(.ok, OpenInferenceMetadata.server(version: version)) }
        for prefix in ["v2/models/:name", "v2/models/:name/versions/:version"] {
            routes.on(.get, prefix) { _, context in
                answer { () throws(InvocationFailure) in
                    let (model, identity) = try resolve(context)
                    guard let triton = model.triton else {
                        // A model that compares doubles (LightGBM) reads FP64; one that sums in double answers FP64.
                        return Self.json(.ok, OpenInferenceMetadata.model(
                            identity, featureCount: model.featureCount, outputCount: model.outputCount, platform: Self.platform(model),
                            inputDatatype: model.compiled.featurePrecision == .float64 ? "FP64" : "FP32",
                            outputDatatype: model.compiled.outputPrecision == .float64 ? "FP64" : "FP32"))
                    }
                    return Self.json(.ok, OpenInferenceMetadata.model(
                        identity, featureCount: model.featureCount, outputCount: model.outputCount, platform: Self.platform(model),
                        inputName: triton.inputName, outputName: triton.outputName, outputShape: FILAnswer(config: triton).shape(rows: -1)))
                }
            }
            routes.on(.get, prefix + "/ready") { _, context in
                answer { () throws(InvocationFailure) in
                    _ = try resolve(context)
                    return Self.json(.ok, Array(#"{"ready": true}"#.utf8))
                }
            }
            routes.on(.post, prefix + "/infer") { request, context in
                do {
                    return try await infer(request, context: context)
                } catch let failure as InvocationFailure {
                    return failure.openInferenceResponse
                } catch {
                    return InvocationFailure(.internalServerError, "internal error while answering the request", reason: .internalError)
                        .openInferenceResponse
                }
            }
        }
    }

    private func infer(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let (model, identity) = try resolve(context)
        var headerLength: Int?
        if let field = request.headers.value(of: Self.headerLength) {
            guard let length = Int(field), length >= 0 else {
                throw InvocationFailure(.badRequest, "Inference-Header-Content-Length must be a byte count, not '\(field.excerpt(limit: 32))'")
            }
            headerLength = length
        }
        let body = try await RequestBody(serving: serving).collect(request)
        let inference: InferenceRequest
        do throws(OpenInferenceError) {
            inference = try await InferenceRequest.read(body, headerLength: headerLength, for: model)
        } catch {
            throw InvocationFailure(error)
        }
        // Long work is predicted off the cooperative pool, so that a big batch cannot hold up /ping.
        let predictions = await model.predictWithoutHoldingThePool(inference.features,
                                                                   largeBody: body.readableBytes >= InvocationHandler.offloadBodyBytes)
        if let refusal = predictions.refusal() { throw InvocationFailure(refusal) }
        let answer = try Self.answer(predictions, to: inference, model: model, identity: identity)
        var headers: HTTPFields = [.contentType: answer.headerLength == nil ? "application/json" : "application/octet-stream"]
        if let length = answer.headerLength { headers[Self.headerLength] = String(length) }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    /// The model's scores as the protocol's answer, timed as the encode stage: as they are, or as Triton's FIL
    /// backend answers when the model came from a Triton repository.
    static func answer(_ predictions: Predictions, to inference: InferenceRequest, model: ServedModel,
                       identity: ModelIdentity) throws(InvocationFailure) -> InferenceResponse {
        do throws(OpenInferenceError) {
            return try model.metrics.measure(.encode) { () throws(OpenInferenceError) in
                guard let triton = model.triton else {
                    return try InferenceResponse(predictions, to: inference, model: identity, outputName: OpenInferenceMetadata.defaultOutputName)
                }
                let fil = FILAnswer(config: triton)
                let answer = fil.answer(predictions, meaning: model.summary.meaning)
                return try InferenceResponse(answer, to: inference, model: identity, outputName: triton.outputName,
                                             shape: fil.shape(rows: answer.rowCount))
            }
        } catch {
            throw InvocationFailure(error)
        }
    }

    /// The model and version a route's parameters name.
    private func resolve(_ context: BasicRequestContext) throws(InvocationFailure) -> (ServedModel, ModelIdentity) {
        let name = ModelNameParameter.name(in: context)
        if let version = context.parameters.get("version"), version != Self.modelVersion {
            throw InvocationFailure(OpenInferenceError(.notFound, "model '\(name.excerpt(limit: 256))' has no version \(quoted: version): its one version is \(Self.modelVersion)"))
        }
        switch lookup(name) {
        case .ready(let model): return (model, ModelIdentity(name: name, version: Self.modelVersion))
        case .unavailable(let failure): throw failure
        }
    }

    private func answer(_ body: () throws(InvocationFailure) -> Response) -> Response {
        do {
            return try body()
        } catch {
            return error.openInferenceResponse
        }
    }

    /// What the model metadata calls the model's kind: Berth and the model's format, as `berth inspect` names it.
    private static func platform(_ model: ServedModel) -> String {
        "berth: \(model.summary.format)"
    }

    private static func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
