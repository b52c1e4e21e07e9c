import BerthCodecs
import BerthCore
import BerthOpenInference
import BerthRuntime
import HTTPTypes
import Hummingbird
import Logging

/// `POST /invocations` (and a multi-model endpoint's `POST /models/{name}/invoke`): the request's one straight
/// road (docs/architecture.md) from body bytes to response bytes.
///
/// Every client mistake is decided before the model runs — 503 while not ready, 404 for an unknown model, 415 for
/// the Content-Type, 406 for Accept, 413 for the size (from Content-Length before reading, then while reading),
/// 400 for an empty or malformed body — and each gets a message saying how to fix it (NEG-4, INV-5..7).
struct InvocationHandler: Sendable {
    let configuration: BerthConfiguration
    /// Bodies of at least this many bytes are decoded, predicted and encoded off Swift's cooperative pool (which
    /// serves every HTTP handler), so a large batch cannot hold up `/ping`; an Open Inference body that large is
    /// parsed and predicted off it (its answer is written on the pool). Explanations always are: one costs
    /// O(leaves · depth²) a row, and a few 60 KB requests to a large forest held `/ping` for seconds. A smaller body
    /// is predicted off the pool when its rows are long work for the model (`ServedModel.predictWithoutHoldingThePool`).
    static let offloadBodyBytes = 64 << 10
    static let customAttributes = HTTPField.Name("X-Amzn-SageMaker-Custom-Attributes")!

    /// A refusal of an Open Inference Protocol request, answered in that protocol's form.
    struct OpenInferenceFailure: Error {
        let failure: InvocationFailure
    }

    /// Answers `request` with the model `model` finds, or with the failure it throws. `modelName` is the name a
    /// multi-model endpoint's route gives the model; the single model's comes from the configuration.
    func respond(to request: Request, context: some RequestContext, modelName: String? = nil,
                 model: () throws(InvocationFailure) -> ServedModel) async -> Response {
        do {
            return try await invoke(request, model: try model(), modelName: modelName, logger: context.logger)
        } catch let failure as InvocationFailure {
            log(failure, request: request, logger: context.logger)
            return failure.response
        } catch let openInference as OpenInferenceFailure {
            log(openInference.failure, request: request, logger: context.logger)
            return openInference.failure.openInferenceResponse
        } catch {
            let failure = InvocationFailure(.internalServerError, "internal error while answering the request", reason: .internalError)
            context.logger.error("request failed", metadata: ["status": "500", "error": .string("\(error)")])
            return failure.response
        }
    }

    private func invoke(_ request: Request, model: ServedModel, modelName: String?, logger: Logger) async throws -> Response {
        // Each header read once, and not through `HTTPFields`' subscript, whose generic lazy join goes through the
        // Swift runtime's metadata: the eight lookups a request once made were 3 % of the server's time on 1-row
        // requests, the four left 2 % (`value(of:)`).
        let contentType = request.headers.value(of: .contentType)
        let accept = request.headers.value(of: .accept)
        let attributesHeader = request.headers.value(of: Self.customAttributes)
        let labelledFormat: RequestFormat
        let negotiated: Result<ResponseFormat, CodecError>
        switch try InvocationHeaders(contentType: contentType, accept: accept, defaultAccept: configuration.serving.defaultAccept) {
        case .openInference(let headerLength):
            let body = try await RequestBody(serving: configuration.serving).collect(request)
            return try await openInference(body, headerLength: headerLength, model: model, modelName: modelName)
        case .sageMaker(let format, let answer):
            (labelledFormat, negotiated) = (format, answer)
        }
        let body = try await RequestBody(serving: configuration.serving).collect(request)
        guard body.readableBytes > 0 else {
            // An empty JSON body is no V2 request: an Accept Berth cannot answer is still the first thing wrong.
            if case .failure(let error) = negotiated { throw InvocationFailure(error) }
            // Without Content-Length or chunked framing a request has no body in HTTP/1.1, whatever bytes follow it.
            let unframed = request.headers.value(of: .contentLength) == nil && request.headers.value(of: .transferEncoding) == nil
            let framing = unframed ? " (this request declares none: a body needs Content-Length, or Transfer-Encoding: chunked)" : ""
            throw InvocationFailure(.badRequest, "the request body is empty\(framing): send \(labelledFormat.rawValue) rows of \(model.featureCount) features",
                                    reason: .emptyBody)
        }
        if labelledFormat == .json, body.withUnsafeReadableBytes(InferenceRequest.isOpenInferenceBody) {
            return try await openInference(body, headerLength: nil, model: model, modelName: modelName)
        }
        let responseFormat: ResponseFormat
        do {
            responseFormat = try negotiated.get()
        } catch {
            throw InvocationFailure(error)
        }
        let requestFormat = RequestFormat.isUnlabelled(contentType: contentType)
            ? body.withUnsafeReadableBytes(RequestFormat.unlabelled) : labelledFormat
        // The custom attributes SageMaker passes through (HDR-1): `explain=` is read; nothing is echoed back.
        if let attributes = attributesHeader {
            logger.debug("custom attributes", metadata: ["custom_attributes": .string(String(attributes.prefix(1024)))])
        }
        let explain: ExplanationKind?
        do {
            explain = try CustomAttributes.explanation(attributesHeader) ?? configuration.serving.explain
        } catch {
            throw InvocationFailure(error)
        }
        let pipeline: InferencePipeline
        do {
            var configured = InferencePipeline(model: model, configuration: configuration)
            if requestFormat == .csv, let header = try CSVHeader.parameter(ofContentType: contentType) {
                configured.decoding.csvHeader = header
            }
            pipeline = configured
        } catch {
            throw InvocationFailure(error)
        }
        let verbose = AnswerStyle.asksVerbose(accept: accept)
        let output: [UInt8]
        if body.readableBytes < Self.offloadBodyBytes && explain == nil {
            // Small: decoded and encoded here; predicted here too (with whatever else is waiting, when batching is
            // on) unless the model makes even these few rows long work.
            let batch: FeatureBatch
            do throws(CodecError) {
                batch = try body.withUnsafeReadableBytes { bytes in
                    Result { () throws(CodecError) in try pipeline.decode(bytes, from: requestFormat) }
                }.get()
            } catch {
                throw InvocationFailure(error)
            }
            let predictions = await model.predictWithoutHoldingThePool(batch)
            if let refusal = predictions.refusal() { throw InvocationFailure(refusal) }
            output = pipeline.encode(predictions, to: responseFormat, verbose: verbose)
        } else {
            output = try await offCooperativePool { () throws(InvocationFailure) -> [UInt8] in
                do throws(CodecError) {
                    return try body.withUnsafeReadableBytes { bytes in
                        Result { () throws(CodecError) in
                            try pipeline.answer(bytes, from: requestFormat, to: responseFormat, verbose: verbose, explain: explain).body
                        }
                    }.get()
                } catch {
                    throw InvocationFailure(error)
                }
            }
        }
        return Response(status: .ok, headers: [.contentType: responseFormat.rawValue],
                        body: .init(byteBuffer: ByteBuffer(bytes: output)))
    }

    /// An Open Inference Protocol request posted to `/invocations` (Triton's SageMaker mode), answered as the `/v2`
    /// infer route answers it, with Triton's SageMaker content type for a binary answer.
    private func openInference(_ body: ByteBuffer, headerLength: Int?, model: ServedModel, modelName: String?) async throws -> Response {
        let inference: InferenceRequest
        do throws(OpenInferenceError) {
            inference = try await InferenceRequest.read(body, headerLength: headerLength, for: model)
        } catch {
            throw OpenInferenceFailure(failure: InvocationFailure(error))
        }
        let predictions = await model.predictWithoutHoldingThePool(inference.features,
                                                                   largeBody: body.readableBytes >= Self.offloadBodyBytes)
        if let refusal = predictions.refusal() { throw OpenInferenceFailure(failure: InvocationFailure(refusal)) }
        let identity = ModelIdentity(name: modelName ?? model.triton?.name ?? configuration.model.name ?? "model",
                                     version: OpenInferenceRoutes.modelVersion)
        let answer: InferenceResponse
        do throws(InvocationFailure) {
            answer = try OpenInferenceRoutes.answer(predictions, to: inference, model: model, identity: identity)
        } catch {
            throw OpenInferenceFailure(failure: error)
        }
        let contentType = answer.headerLength.map { "\(InferenceRequest.sageMakerTritonBinary);json-header-size=\($0)" } ?? "application/json"
        return Response(status: .ok, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: answer.body)))
    }

    private func log(_ failure: InvocationFailure, request: Request, logger: Logger) {
        let metadata: Logger.Metadata = [
            "status": .stringConvertible(failure.status.code),
            "reason": .string(failure.message),
            "content_type": .string(request.headers[.contentType].map { String($0.prefix(100)) } ?? "-"),
            "accept": .string(request.headers[.accept].map { String($0.prefix(100)) } ?? "-"),
        ]
        if failure.status.code >= 500 {
            logger.error("request failed", metadata: metadata)
        } else {
            logger.warning("request refused", metadata: metadata)
        }
    }
}
