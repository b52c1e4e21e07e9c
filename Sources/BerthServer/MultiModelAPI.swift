#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import BerthCore
import BerthFormats
import BerthJSON
import BerthRuntime
import HTTPTypes
import Hummingbird
import Logging

/// The management API of a multi-model endpoint (`SAGEMAKER_MULTI_MODEL=true`, CONTRACT.md MME-1..8): load,
/// list, describe, unload and invoke models by name, all on the port of `/ping`.
///
/// A load reads only folders inside `BERTH_MODELS_ROOT` (after resolving links: `..`, absolute paths elsewhere
/// and links that leave the root are refused with 400). A model that cannot be read is a 400 with the reason and
/// leaves the others serving; `/ping` and `GET /models` answer 200 whatever any load is doing (MME-8).
struct MultiModelAPI: Sendable {
    let configuration: BerthConfiguration
    let registry: ModelRegistry
    let backend: any Backend
    let invocations: InvocationHandler

    static let targetModel = HTTPField.Name("X-Amzn-SageMaker-Target-Model")!
    static let pageLimit = 100

    func register(on router: Router<BasicRequestContext>) {
        router.get("models") { request, _ in list(request) }
        router.post("models") { request, context in await load(request, logger: context.logger) }
        router.get("models/:name") { _, context in describe(context.parameters.get("name") ?? "") }
        router.delete("models/:name") { request, context in unload(context.parameters.get("name") ?? "", request: request, logger: context.logger) }
        router.post("models/:name/invoke") { request, context in
            let name = context.parameters.get("name") ?? ""
            if let target = request.headers[Self.targetModel] {
                context.logger.debug("invoke", metadata: ["model": .string(name), "target_model": .string(String(target.prefix(1024)))])
            }
            return await invocations.respond(to: request, context: context) { () throws(InvocationFailure) in
                guard let model = registry.use(name) else {
                    throw InvocationFailure(.notFound, "model \(quoted: name) is not loaded: load it with POST /models first")
                }
                return model
            }
        }
    }

    private func list(_ request: Request) -> Response {
        let limit = request.uri.queryParameters.get("limit").flatMap { Int($0) }.map { min(max($0, 1), Self.pageLimit) } ?? Self.pageLimit
        let offset = request.uri.queryParameters.get("next_page_token").flatMap { Int($0) } ?? 0
        let page = registry.page(offset: offset, limit: limit)
        var body = Array(#"{"models": ["#.utf8)
        for (index, entry) in page.entries.enumerated() {
            if index > 0 { body.append(contentsOf: ", ".utf8) }
            appendDescription(entry, to: &body)
        }
        body.append(UInt8(ascii: "]"))
        if let next = page.next { body.append(contentsOf: #", "nextPageToken": "\#(next)""#.utf8) }
        body.append(UInt8(ascii: "}"))
        return json(.ok, body)
    }

    private func describe(_ name: String) -> Response {
        guard let entry = registry.entry(name) else { return InvocationFailure(.notFound, "model \(quoted: name) is not loaded").response }
        var body = [UInt8]()
        appendDescription(entry, to: &body)
        return json(.ok, body)
    }

    private func load(_ request: Request, logger: Logger) async -> Response {
        let clock = ContinuousClock()
        let start = clock.now
        let name: String, url: String
        do {
            let body = try await request.body.collect(upTo: 64 << 10)
            let document = try body.withUnsafeReadableBytes { try JSONReader.parse($0.bindMemory(to: UInt8.self)) }
            guard let modelName = document["model_name"]?.string, let modelURL = document["url"]?.string else {
                return InvocationFailure(.badRequest, #"send {"model_name": "…", "url": "/opt/ml/models/…"}"#).response
            }
            (name, url) = (modelName, modelURL)
        } catch {
            return InvocationFailure(.badRequest, #"the body is not JSON: send {"model_name": "…", "url": "/opt/ml/models/…"}"#).response
        }
        guard !name.isEmpty, name.utf8.count <= 1024, !name.contains("/"), name.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value != 0x7F }) else {
            return InvocationFailure(.badRequest, "model_name must be 1 to 1024 printable characters without '/'").response
        }
        guard let directory = Self.resolve(url, inside: configuration.multiModel.modelsRoot) else {
            return InvocationFailure(.badRequest, "url \(quoted: url) is not a folder inside the models root (BERTH_MODELS_ROOT; /opt/ml/models on SageMaker)").response
        }
        do {
            try registry.reserve(name)
        } catch {
            return InvocationFailure(.conflict, "model \(quoted: name) is already loaded (or loading): DELETE /models/\(name) first to replace it").response
        }
        var modelConfiguration = configuration
        modelConfiguration.model.directory = directory
        let model: ServedModel
        do {
            model = try await ModelLoader(configuration: modelConfiguration, backend: backend).loadInBackground(logger: logger)
        } catch {
            registry.cancel(name)
            logger.warning("model load failed", metadata: ["model": .string(name), "url": .string(url), "reason": .string(error.description)])
            return InvocationFailure(.badRequest, "model \(quoted: name) cannot be loaded: \(error.description)").response
        }
        let evicted: [ModelRegistry.Entry]
        do {
            evicted = try registry.commit(name: name, url: url, targetModel: request.headers[Self.targetModel].map { String($0.prefix(1024)) },
                                          model: model)
        } catch {
            logger.warning("model too large for the memory budget", metadata: ["model": .string(name), "bytes": .stringConvertible(model.residentBytes),
                                                                               "budget": .stringConvertible(registry.budgetBytes)])
            return InvocationFailure(HTTPResponse.Status(code: 507, reasonPhrase: "Insufficient Storage"), """
                model \(quoted: name) needs \(model.residentBytes) bytes, more than the whole memory budget of \(registry.budgetBytes) \
                (BERTH_MODELS_MEMORY_MB)
                """).response
        }
        for entry in evicted {
            var metadata: Logger.Metadata = ["model": .string(entry.name), "bytes": .stringConvertible(entry.bytes),
                                             "reason": .string("least recently used, to make room for \(name)")]
            if let target = entry.targetModel { metadata["target_model"] = .string(target) }
            logger.info("model evicted", metadata: metadata)
        }
        let elapsed = clock.now - start
        var metadata: Logger.Metadata = [
            "model": .string(name), "url": .string(url), "bytes": .stringConvertible(model.residentBytes),
            "format": .string(model.summary.format.description), "objective": .string(model.summary.objective),
            "load_ms": .stringConvertible(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000),
            "used_bytes": .stringConvertible(registry.usedBytes), "budget_bytes": .stringConvertible(registry.budgetBytes),
        ]
        if let target = request.headers[Self.targetModel] { metadata["target_model"] = .string(String(target.prefix(1024))) }
        logger.info("model loaded", metadata: metadata)
        var body = Array(#"{"status": "#.utf8)
        JSONText.appendString("model \(name) loaded", to: &body)
        body.append(UInt8(ascii: "}"))
        return json(.ok, body)
    }

    private func unload(_ name: String, request: Request, logger: Logger) -> Response {
        guard let entry = registry.unload(name) else { return InvocationFailure(.notFound, "model \(quoted: name) is not loaded").response }
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

    /// `url` with every link resolved, when it is a folder inside `root` (or `root` itself); nil otherwise.
    static func resolve(_ url: String, inside root: String) -> String? {
        guard let resolvedRoot = realPath(root), let resolved = realPath(url) else { return nil }
        guard resolved == resolvedRoot || resolved.hasPrefix(resolvedRoot == "/" ? "/" : resolvedRoot + "/") else { return nil }
        return resolved
    }

    private static func realPath(_ path: String) -> String? {
        guard let pointer = realpath(path, nil) else { return nil }
        defer { free(pointer) }
        return String(cString: pointer)
    }
}
