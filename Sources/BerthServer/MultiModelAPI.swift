import BerthCore
import BerthJSON
import BerthRuntime
import BerthText
import HTTPTypes
import Hummingbird
import Logging

/// The management API of a multi-model endpoint (`SAGEMAKER_MULTI_MODEL=true`, docs/contract.md MME-1..8): load,
/// list, describe, unload and invoke models by name, all on the port of `/ping`.
///
/// A load reads only folders inside `BERTH_MODELS_ROOT` (after resolving links: `..`, absolute paths elsewhere
/// and links that leave the root are refused with 400). A model that cannot be read is a 400 with the reason and
/// leaves the others serving; `/ping` and `GET /models` answer 200 whatever any load is doing (MME-8).
struct MultiModelAPI: Sendable {
    let loader: MultiModelLoader
    let invocations: InvocationHandler

    var registry: ModelRegistry { loader.registry }

    static let targetModel = HTTPField.Name("X-Amzn-SageMaker-Target-Model")!
    static let pageLimit = 100

    func register(on routes: MeasuredRoutes) {
        routes.on(.get, "models") { request, _ in list(request) }
        routes.on(.post, "models") { request, context in await load(request, logger: context.logger) }
        routes.on(.get, "models/:name") { _, context in describe(ModelNameParameter.name(in: context)) }
        routes.on(.delete, "models/:name") { request, context in unload(ModelNameParameter.name(in: context), request: request, logger: context.logger) }
        routes.on(.post, InvocationRoute.multiModel) { request, context in
            let name = ModelNameParameter.name(in: context)
            if let target = request.headers[Self.targetModel] {
                context.logger.debug("invoke", metadata: ["model": .string(name), "target_model": .string(String(target.prefix(1024)))])
            }
            return await invocations.respond(to: request, context: context, modelName: name) { () throws(InvocationFailure) in
                guard let model = registry.use(name) else {
                    throw InvocationFailure(.notFound, "model \(quoted: name) is not loaded: load it with POST /models first", reason: .modelNotLoaded)
                }
                return model
            }
        }
    }

    /// A page of the loaded models: `limit` from 1 (more than 100 is 100), `next_page_token` as the page before
    /// answered it; anything else is a 400 saying so.
    private func list(_ request: Request) -> Response {
        var limit = Self.pageLimit
        if let text = request.uri.queryParameters.get("limit") {
            guard let asked = Int(text), asked >= 1 else {
                return InvocationFailure(.badRequest, "limit must be a whole number of models from 1 (more than \(Self.pageLimit) is \(Self.pageLimit)), not '\(text.excerpt(limit: 32))'").response
            }
            limit = min(asked, Self.pageLimit)
        }
        var after: ModelPageToken?
        if let text = request.uri.queryParameters.get("next_page_token") {
            guard let token = ModelPageToken(parsing: text) else {
                return InvocationFailure(.badRequest, "next_page_token '\(text.excerpt(limit: 32))' is not one this server gave: pass back the nextPageToken of the page before, or leave it out for the first page").response
            }
            after = token
        }
        let page = registry.page(after: after?.lastName, limit: limit)
        var body = Array(#"{"models": ["#.utf8)
        for (index, entry) in page.entries.enumerated() {
            if index > 0 { body.append(contentsOf: ", ".utf8) }
            appendDescription(entry, to: &body)
        }
        body.append(UInt8(ascii: "]"))
        if page.more, let last = page.entries.last {
            body.append(contentsOf: #", "nextPageToken": "\#(ModelPageToken(lastName: last.name).text)""#.utf8)
        }
        body.append(UInt8(ascii: "}"))
        return json(.ok, body)
    }

    private func describe(_ name: String) -> Response {
        guard let entry = registry.entry(name) else {
            return InvocationFailure(.notFound, "model \(quoted: name) is not loaded", reason: .modelNotLoaded).response
        }
        var body = [UInt8]()
        appendDescription(entry, to: &body)
        return json(.ok, body)
    }

    private func load(_ request: Request, logger: Logger) async -> Response {
        let name: String, url: String
        let usage = #"send {"model_name": "…", "url": "/opt/ml/models/…"}"#
        do {
            let body = try await RequestBody(serving: invocations.configuration.serving)
                .collect(request, limit: 64 << 10, tooLarge: InvocationFailure(.contentTooLarge, "a load request is at most 64 KiB: \(usage)",
                                                                            reason: .invalidLoadRequest))
            let document = try body.withUnsafeReadableBytes { try JSONReader.parse($0.bindMemory(to: UInt8.self), rejectsDuplicateKeys: true) }
            guard let modelName = document["model_name"]?.string, let modelURL = document["url"]?.string else {
                return InvocationFailure(.badRequest, usage, reason: .invalidLoadRequest).response
            }
            (name, url) = (modelName, modelURL)
        } catch let failure as InvocationFailure {
            return failure.response
        } catch {
            return InvocationFailure(.badRequest, "the body is not a load request (\(error)): \(usage)", reason: .invalidLoadRequest).response
        }
        do {
            _ = try await loader.load(name: name, url: url, targetModel: request.headers[Self.targetModel].map { String($0.prefix(1024)) },
                                      logger: logger)
        } catch {
            return InvocationFailure(error).response
        }
        var body = Array(#"{"status": "#.utf8)
        JSONText.appendString("model \(name) loaded", to: &body)
        body.append(UInt8(ascii: "}"))
        return json(.ok, body)
    }

    private func unload(_ name: String, request: Request, logger: Logger) -> Response {
        guard let entry = loader.unload(name) else {
            return InvocationFailure(.notFound, "model \(quoted: name) is not loaded", reason: .modelNotLoaded).response
        }
        var metadata: Logger.Metadata = ["model": .string(name), "bytes": .stringConvertible(entry.bytes)]
        if let target = request.headers[Self.targetModel].map({ String($0.prefix(1024)) }) ?? entry.targetModel {
            metadata["target_model"] = .string(target)
        }
        logger.info("model unloaded", metadata: metadata)
        var body = Array(#"{"status": "#.utf8)
        JSONText.appendString("model \(name) unloaded", to: &body)
        body.append(UInt8(ascii: "}"))
        return json(.ok, body)
    }

    private func appendDescription(_ entry: ModelRegistry.Entry, to body: inout [UInt8]) {
        body.append(contentsOf: #"{"modelName": "#.utf8)
        JSONText.appendString(entry.name, to: &body)
        body.append(contentsOf: #", "modelUrl": "#.utf8)
        JSONText.appendString(entry.url, to: &body)
        body.append(contentsOf: #", "memoryBytes": \#(entry.bytes)}"#.utf8)
    }

    private func json(_ status: HTTPResponse.Status, _ body: [UInt8]) -> Response {
        Response(status: status, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: body)))
    }
}
