import HTTPTypes

/// Why a request was refused, as the `reason` label of `berth_refusals_total`: a value from this fixed set, never
/// the message (which quotes the request) nor a model's name.
enum RefusalReason: String, Sendable, CaseIterable {
    case unsupportedContentType = "unsupported_content_type"
    case notAcceptable = "not_acceptable"
    case payloadTooLarge = "payload_too_large"
    case bodyTimeout = "body_timeout"
    case emptyBody = "empty_body"
    case malformedBody = "malformed_body"
    case modelLoading = "model_loading"
    case modelFailed = "model_failed"
    case modelNotLoaded = "model_not_loaded"
    case invalidLoadRequest = "invalid_load_request"
    case modelNameInUse = "model_name_in_use"
    case modelUnreadable = "model_unreadable"
    case overMemoryBudget = "over_memory_budget"
    case wrongRoute = "wrong_route"
    case internalError = "internal_error"

    /// The reason a status means when the refusal names none more precise.
    init(status: HTTPResponse.Status) {
        switch status.code {
        case 404, 405: self = .wrongRoute
        case 406: self = .notAcceptable
        case 408: self = .bodyTimeout
        case 409: self = .modelNameInUse
        case 413, 431: self = .payloadTooLarge
        case 415: self = .unsupportedContentType
        case 503: self = .modelLoading
        case 507: self = .overMemoryBudget
        case 400..<500: self = .malformedBody
        default: self = .internalError
        }
    }
}

extension HTTPField.Name {
    /// Carries a refusal's reason from where it is decided to `ServerMetrics.answered`, which counts it and removes
    /// the field: it never reaches the client.
    static let berthRefusalReason = HTTPField.Name("X-Berth-Refusal-Reason")!
}
