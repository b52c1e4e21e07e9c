import BerthCore
import BerthOpenInference
import BerthRuntime
import BerthText
import Hummingbird
import Logging
import ServiceLifecycle
import UnixSignals

/// Builds the HTTP application `berth serve` runs: SageMaker's routes (docs/contract.md §1–5, §13) over one
/// `ModelState` that the loading service fills in, and `GET /metrics` over the server's own `ServerMetrics`.
public enum BerthApplication {
    /// The application for `configuration`; `serve` runs it so SIGTERM drains and exits 0 (SIG-1). Building it
    /// starts loading the model (`ModelLoadingService`): build an application only to run it.
    public static func build(configuration: BerthConfiguration, logger: Logger, state: ModelState = ModelState(),
                             backend: any Backend, metrics: ServerMetrics = ServerMetrics(),
                             version: String = "unknown") -> some ApplicationProtocol {
        let loader = ModelLoader(configuration: configuration, backend: backend, metrics: metrics.runtime)
        // A multi-model endpoint starts with no model: nothing to load in the background.
        let services: [any Service] = configuration.multiModel.enabled ? [] : [ModelLoadingService(loader: loader, state: state, logger: logger)]
        return Application(
            router: configuration.multiModel.enabled
                ? multiModelRouter(configuration: configuration, backend: backend, metrics: metrics, version: version)
                : router(configuration: configuration, state: state, metrics: metrics, version: version),
            server: .berthHTTP1(configuration: .init(
                additionalChannelHandlers: [ExpectContinueHandler(maxBodyBytes: configuration.serving.payloadLimit.bytes,
                                                                  defaultAccept: configuration.serving.defaultAccept),
                                            RequestDeadlineHandler(bodyTimeout: .seconds(Int64(configuration.serving.bodyTimeoutSeconds)))],
                idleTimeout: .seconds(Int64(configuration.serving.idleTimeoutSeconds))), metrics: metrics),
            configuration: .init(address: .hostname(configuration.serving.host, port: configuration.serving.port), serverName: "Berth"),
            services: services,
            logger: logger
        )
    }

    /// Builds the application and runs it until SIGTERM or SIGINT, draining in-flight requests first.
    ///
    /// What Hummingbird's `runService()` does, but with the application named: a service group describes each
    /// service it is not given a name for with `"\(service)"`, and for the application that means reflecting over
    /// every stored property — the router, the configuration, the services — at about 3 ms of a cold start.
    public static func serve(configuration: BerthConfiguration, logger: Logger, backend: any Backend, metrics: ServerMetrics,
                             version: String) async throws {
        let application = build(configuration: configuration, logger: logger, backend: backend, metrics: metrics, version: version)
        let group = ServiceGroup(configuration: .init(
            services: [.init(service: application, serviceName: "berth")], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }

    static func router(configuration: BerthConfiguration, state: ModelState, metrics: ServerMetrics,
                       version: String = "unknown") -> Router<BasicRequestContext> {
        // HEAD wherever GET is served (RFC 9110), answered by the GET handler without its body: `HEAD /ping` is a
        // health check some load balancers send.
        let router = Router(options: .autoGenerateHeadEndpoints)
        let routes = MeasuredRoutes(router: router, metrics: metrics)
        let invocations = InvocationHandler(configuration: configuration)
        let ping: @Sendable (Request, BasicRequestContext) async -> Response = { _, _ in
            switch state.current {
            case .ready: return Response(status: .ok)
            case .loading: return InvocationFailure.plainText(.serviceUnavailable, "loading model")
            case .failed(let reason): return InvocationFailure.plainText(.serviceUnavailable, "model failed to load: \(reason)")
            }
        }
        routes.on(.get, "ping", ping)
        routes.on(.post, "ping", ping)
        routes.on(.post, InvocationRoute.singleModel) { request, context in
            await invocations.respond(to: request, context: context) { () throws(InvocationFailure) in
                do throws(ModelUnavailable) {
                    return try state.readyModel()
                } catch {
                    throw InvocationFailure(error)
                }
            }
        }
        routes.on(.get, "execution-parameters") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: ExecutionParameters(configuration).json)))
        }
        let configuredName = configuration.model.name
        OpenInferenceRoutes(serving: configuration.serving, version: version, isReady: { state.isReady }) { name in
            let model: ServedModel
            do throws(ModelUnavailable) {
                model = try state.readyModel()
            } catch {
                return .unavailable(InvocationFailure(error))
            }
            // A Triton repository's folder names the model; otherwise BERTH_MODEL_NAME, or `model`.
            let served = model.triton?.name ?? configuredName ?? "model"
            guard name == served else {
                let source = model.triton != nil ? "its Triton repository folder" : "BERTH_MODEL_NAME"
                return .unavailable(InvocationFailure(OpenInferenceError(.notFound, "no model '\(name.excerpt(limit: 256))' here: this server serves '\(served)' (\(source))")))
            }
            return .ready(model)
        }.register(on: routes)
        addOperations(to: routes, configuration: configuration, version: version) { try? state.readyModel() }
        return router
    }

    /// `SAGEMAKER_MULTI_MODEL=true`: `/ping` answers 200 from the start whatever loads are doing (MME-8), and the
    /// management API serves the models.
    static func multiModelRouter(configuration: BerthConfiguration, backend: any Backend, metrics: ServerMetrics,
                                 version: String = "unknown") -> Router<BasicRequestContext> {
        let router = Router(options: .autoGenerateHeadEndpoints)
        let routes = MeasuredRoutes(router: router, metrics: metrics)
        let registry = ModelRegistry(budgetBytes: configuration.multiModel.memoryBudgetBytes ?? MemoryBudget.defaultBytes())
        let ping: @Sendable (Request, BasicRequestContext) async -> Response = { _, _ in Response(status: .ok) }
        routes.on(.get, "ping", ping)
        routes.on(.post, "ping", ping)
        routes.on(.post, InvocationRoute.singleModel) { _, _ in
            InvocationFailure(.notFound, "this is a multi-model endpoint: invoke a model with POST /models/{name}/invoke").response
        }
        routes.on(.get, "execution-parameters") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"],
                     body: .init(byteBuffer: ByteBuffer(string: ExecutionParameters(configuration).json)))
        }
        MultiModelAPI(loader: MultiModelLoader(configuration: configuration, registry: registry, backend: backend, metrics: metrics.runtime),
                      invocations: InvocationHandler(configuration: configuration)).register(on: routes)
        OpenInferenceRoutes(serving: configuration.serving, version: version, isReady: { true }) { name in
            guard let model = registry.use(name) else {
                if registry.isLoading(name) {
                    return .unavailable(InvocationFailure(.serviceUnavailable, "model '\(name.excerpt(limit: 256))' is loading: ask again once its load has answered"))
                }
                return .unavailable(InvocationFailure(.notFound, "model '\(name.excerpt(limit: 256))' is not loaded: load it with POST /models first",
                                                      reason: .modelNotLoaded))
            }
            return .ready(model)
        }.register(on: routes)
        addOperations(to: routes, configuration: configuration, version: version) { nil }
        return router
    }

    /// `GET /metrics`, `GET /openapi.json` (describing `model()`, the served model when there is one ready) and
    /// `GET /docs`, then, after every route, the counting of requests that match none.
    private static func addOperations(to routes: MeasuredRoutes, configuration: BerthConfiguration, version: String,
                                      model: @escaping @Sendable () -> ServedModel?) {
        let metrics = routes.metrics
        routes.on(.get, "metrics") { request, _ in MetricsEndpoint.response(metrics, accept: request.headers[.accept]) }
        routes.on(.get, "openapi.json") { _, _ in
            OpenAPIDocument(configuration: configuration, model: model(), version: version).response
        }
        routes.on(.get, "docs") { _, _ in SwaggerUIPage.response(swaggerUIURL: configuration.serving.swaggerUIURL) }
        routes.measureUnmatched()
    }
}
