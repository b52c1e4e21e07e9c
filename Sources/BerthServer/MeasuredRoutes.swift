import HTTPTypes
import Hummingbird

/// Registers the server's routes so that `ServerMetrics` measures each request inside its own handler: counted and
/// timed by route template (`/models/{name}/invoke`, never the raw path, which would make a series per model name),
/// refusals by reason, and requests in flight. It keeps the table of what it registered (`RouteTable`), which
/// answers the requests no route takes.
///
/// Not a Hummingbird middleware for the routes: one in front of every route costs about 5% of the requests per
/// second of 1-row predictions (measured on the 2-core machine), where this costs two clock reads and a few counter
/// updates. Requests that match no route (any path, or a method a path does not serve) reach the router's
/// not-found responder instead; `UnmatchedRequests`, added after every route so it wraps only that responder,
/// records them under the path `unmatched`.
final class MeasuredRoutes {
    let router: Router<BasicRequestContext>
    let metrics: ServerMetrics
    private var table = RouteTable()

    init(router: Router<BasicRequestContext>, metrics: ServerMetrics) {
        self.router = router
        self.metrics = metrics
    }

    /// `handler` answers `method` on `path` (Hummingbird's syntax, `models/:name/invoke`).
    func on(_ method: HTTPRequest.Method, _ path: String,
            _ handler: @escaping @Sendable (Request, BasicRequestContext) async -> Response) {
        let template = Self.template(path)
        let metrics = self.metrics
        table.add(method, path)
        router.on(RouterPath(path), method: method) { request, context in
            let started = metrics.requestStarted()
            return metrics.answered(template, since: started, await handler(request, context))
        }
    }

    /// After every route: the middleware that answers and counts the requests no route served.
    func measureUnmatched() {
        router.add(middleware: UnmatchedRequests(metrics: metrics, table: table))
    }

    /// `/models/{name}/invoke` for `models/:name/invoke`.
    static func template(_ path: String) -> String {
        "/" + path.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }.joined(separator: "/")
    }
}

/// Answers the requests no route serves — 405 with `Allow` for a method its path is not served with, 404 naming the
/// path otherwise, each saying what to do (`RouteTable`) — and counts them under the path `unmatched`.
struct UnmatchedRequests<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics
    let table: RouteTable

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let started = metrics.requestStarted()
        do {
            return metrics.answered("unmatched", since: started, try await next(request, context))
        } catch let error as any HTTPResponseError where error.status == .notFound {
            return metrics.answered("unmatched", since: started, table.answer(toUnmatched: request.method, path: request.uri.path))
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.recordRequest(path: "unmatched", status: status.code, duration: ContinuousClock.now - started,
                                  refusal: RefusalReason(status: status))
            throw error
        }
    }
}
