import BerthCodecs
import BerthCore

/// How requests are received and answered: the address, the body limit, the default response type, how libsvm
/// rows are numbered, and how long a client may take.
public struct ServingSettings: Sendable {
    public var host = "0.0.0.0"
    /// `SAGEMAKER_BIND_TO_PORT`.
    public var port = 8080
    /// `SAGEMAKER_MAX_PAYLOAD_IN_MB`: the largest request body.
    public var payloadLimit = PayloadLimit.sageMakerDefault
    /// `SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT`: the response type when a request has no `Accept`.
    public var defaultAccept = ResponseFormat.csv
    /// `BERTH_LIBSVM_INDEX_BASE`: whether libsvm requests number features from 0 (default) or 1.
    public var libsvmIndexBase = 0
    /// `BERTH_ANSWER_STYLE`: the official XGBoost container's JSON answers (`sagemaker`, default) or those of
    /// SageMaker JumpStart's LightGBM and CatBoost scripts (`jumpstart`).
    public var answerStyle = AnswerStyle.sageMaker
    /// `BERTH_EXPLAIN`: an explanation every request gets (`contributions`, `leaves` or `margin`), for batch
    /// transform, which cannot set headers per record; a request's own `explain=` custom attribute takes precedence.
    public var explain: ExplanationKind?
    /// `BERTH_UNKNOWN_FEATURES`: whether a record key or CSV header column naming no feature of the model is a 400
    /// (`reject`, default) or ignored (`ignore`).
    public var unknownFeatures = UnknownFeatures.reject
    /// `BERTH_CSV_HEADER`: whether CSV bodies start with a header line when their Content-Type does not say
    /// (`absent`, default, or `present`), for clients that cannot set `text/csv; header=present`.
    public var csvHeader = CSVHeader.absent
    /// `BERTH_BODY_TIMEOUT_SECONDS`: how long a client may take to send one request body after its headers (408).
    public var bodyTimeoutSeconds = 60
    /// `BERTH_IDLE_TIMEOUT_SECONDS`: how long a keep-alive connection may sit idle (or trickle its headers).
    public var idleTimeoutSeconds = 75
    /// `BERTH_SWAGGER_UI_URL`: where the `/docs` page loads Swagger UI's `swagger-ui-bundle.js` and `swagger-ui.css`
    /// from (an internal mirror instead of the public CDN); the binary carries no third-party JavaScript.
    public var swaggerUIURL = "https://cdn.jsdelivr.net/npm/swagger-ui-dist@5"

    public init() {}

    mutating func read(_ reader: EnvironmentReader) throws(ConfigurationError) {
        if let port = try reader.integer("SAGEMAKER_BIND_TO_PORT", in: 1...65535) { self.port = port }
        if let megabytes = try reader.integer("SAGEMAKER_MAX_PAYLOAD_IN_MB", in: 0...1 << 20) {
            payloadLimit = PayloadLimit(megabytes: megabytes)
        }
        if let accept = reader.string("SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT") {
            guard let mediaType = MediaType(parsing: accept), let format = ResponseFormat(mediaType: mediaType) else {
                throw ConfigurationError(variable: "SAGEMAKER_DEFAULT_INVOCATIONS_ACCEPT", value: accept,
                                         expected: ResponseFormat.allCases.map(\.rawValue).joined(separator: ", "))
            }
            defaultAccept = format
        }
        if let base = try reader.integer("BERTH_LIBSVM_INDEX_BASE", in: 0...1) { libsvmIndexBase = base }
        if let style = reader.string("BERTH_ANSWER_STYLE") {
            guard let parsed = AnswerStyle(rawValue: style.lowercased()) else {
                throw ConfigurationError(variable: "BERTH_ANSWER_STYLE", value: style,
                                         expected: AnswerStyle.allCases.map(\.rawValue).joined(separator: " or "))
            }
            answerStyle = parsed
        }
        if let kind = reader.string("BERTH_EXPLAIN") {
            guard let parsed = ExplanationKind(rawValue: kind) else {
                throw ConfigurationError(variable: "BERTH_EXPLAIN", value: kind,
                                         expected: ExplanationKind.allCases.map(\.rawValue).joined(separator: ", ") + " (or unset)")
            }
            explain = parsed
        }
        if let policy = reader.string("BERTH_UNKNOWN_FEATURES") {
            guard let parsed = UnknownFeatures(rawValue: policy.lowercased()) else {
                throw ConfigurationError(variable: "BERTH_UNKNOWN_FEATURES", value: policy,
                                         expected: UnknownFeatures.allCases.map(\.rawValue).joined(separator: " or "))
            }
            unknownFeatures = parsed
        }
        if let header = reader.string("BERTH_CSV_HEADER") {
            guard let parsed = CSVHeader(rawValue: header.lowercased()) else {
                throw ConfigurationError(variable: "BERTH_CSV_HEADER", value: header,
                                         expected: CSVHeader.allCases.map(\.rawValue).joined(separator: " or "))
            }
            csvHeader = parsed
        }
        if let seconds = try reader.integer("BERTH_BODY_TIMEOUT_SECONDS", in: 1...86_400) { bodyTimeoutSeconds = seconds }
        if let seconds = try reader.integer("BERTH_IDLE_TIMEOUT_SECONDS", in: 1...86_400) { idleTimeoutSeconds = seconds }
        if let url = reader.string("BERTH_SWAGGER_UI_URL") {
            let isURL = url.hasPrefix("https://") || url.hasPrefix("http://") || url.hasPrefix("/")
            guard isURL, url.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value != 0x7F }) else {
                throw ConfigurationError(variable: "BERTH_SWAGGER_UI_URL", value: url,
                                         expected: "an http(s) URL or an absolute path, without spaces, to the folder holding swagger-ui-bundle.js")
            }
            swaggerUIURL = url.hasSuffix("/") ? String(url.dropLast()) : url
        }
    }
}
