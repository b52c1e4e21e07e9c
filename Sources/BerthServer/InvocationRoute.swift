/// The two paths predictions are posted to — SageMaker's `/invocations` and a multi-model endpoint's
/// `/models/{name}/invoke` — named once, for the routers that serve them and for `ExpectContinueHandler`, which
/// looks at a request before any route does.
enum InvocationRoute {
    /// A single-model endpoint's (on a multi-model endpoint, a 404 that says where to go instead).
    static let singleModel = "invocations"
    /// A multi-model endpoint's, in Hummingbird's syntax.
    static let multiModel = "models/:name/invoke"

    /// Whether `path` (a request's, without its query) is one of the two, matched as the router matches them.
    static func matches(_ path: Substring) -> Bool {
        let requested = path.split(separator: "/")
        return [singleModel, multiModel].contains { RouteTable.template($0.split(separator: "/"), matches: requested) }
    }
}
