import BerthText
import HTTPTypes
import Hummingbird

/// The routes a server registered, by path template, with the methods each answers: what tells a request for a
/// method a path does not serve (405, with `Allow`, RFC 9110 §15.5.6) from one for a path no route serves (404).
struct RouteTable: Sendable {
    private var routes: [(segments: [Substring], methods: Set<HTTPRequest.Method>)] = []

    /// Records that `method` is answered on `path` (Hummingbird's syntax, `models/:name/invoke`).
    mutating func add(_ method: HTTPRequest.Method, _ path: String) {
        let segments = path.split(separator: "/")
        if let index = routes.firstIndex(where: { $0.segments == segments }) {
            routes[index].methods.insert(method)
        } else {
            routes.append((segments, [method]))
        }
    }

    /// The methods `path` (a request's, without its query) is answered with, `HEAD` wherever `GET` is, in a fixed
    /// order; empty when no route matches it.
    func methods(at path: String) -> [HTTPRequest.Method] {
        let requested = path.split(separator: "/")
        var methods = Set<HTTPRequest.Method>()
        for route in routes where Self.template(route.segments, matches: requested) {
            methods.formUnion(route.methods)
        }
        if methods.contains(.get) { methods.insert(.head) }
        return methods.sorted { $0.rawValue < $1.rawValue }
    }

    /// Whether a path's segments fill a template's: the same count, each equal or taken by a `:parameter`.
    static func template(_ template: [Substring], matches requested: [Substring]) -> Bool {
        template.count == requested.count && zip(template, requested).allSatisfy { part, segment in part.hasPrefix(":") || part == segment }
    }

    /// The answer to a request no route took: 405 naming the methods its path is served with (and `Allow`), else 404
    /// naming the path; in the Open Inference Protocol's JSON form under `/v2`, plain text elsewhere.
    func answer(toUnmatched method: HTTPRequest.Method, path: String) -> Response {
        let shown = path.excerpt(limit: 128)
        let allowed = methods(at: path).map(\.rawValue).joined(separator: ", ")
        let failure = allowed.isEmpty
            ? InvocationFailure(.notFound, "no route \(shown): Berth's routes are listed in GET /openapi.json", reason: .wrongRoute)
            : InvocationFailure(.methodNotAllowed, "\(method.rawValue.excerpt(limit: 16)) is not answered on \(shown): use \(allowed)",
                                reason: .wrongRoute)
        var response = path == "/v2" || path.hasPrefix("/v2/") ? failure.openInferenceResponse : failure.response
        if !allowed.isEmpty { response.headers[.allow] = allowed }
        return response
    }
}
