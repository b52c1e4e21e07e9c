import HTTPTypes
import Hummingbird

/// Counts and times every request by its route template (`/models/{name}/invoke`, never the raw path, which
/// would make a series per model name), counts refusals by reason, and tracks the requests in flight.
///
/// A request is recorded when its handler returns the response (every body Berth answers with is already whole
/// by then). Requests that match no route are recorded under the path `unmatched`.
struct HTTPMetricsMiddleware<Context: RequestContext>: RouterMiddleware {
    let metrics: ServerMetrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        metrics.requestStarted()
        do {
            var response = try await next(request, context)
            let refusal = response.headers[.berthRefusalReason].flatMap(RefusalReason.init(rawValue:))
            response.headers[.berthRefusalReason] = nil
            metrics.recordRequest(path: Self.path(context), status: response.status.code, duration: ContinuousClock.now - start,
                                  refusal: refusal)
            return response
        } catch {
            let status = (error as? any HTTPResponseError)?.status ?? .internalServerError
            metrics.recordRequest(path: Self.path(context), status: status.code, duration: ContinuousClock.now - start,
                                  refusal: RefusalReason(status: status))
            throw error
        }
    }

    /// The route template the router matched, or `unmatched`.
    static func path(_ context: Context) -> String {
        guard let path = context.endpointPath, path != "NotFound" else { return "unmatched" }
        return path.hasPrefix("/") ? path : "/" + path
    }
}
