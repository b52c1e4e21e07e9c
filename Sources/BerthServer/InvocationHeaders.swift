import BerthCodecs
import BerthOpenInference

/// What an invocation's headers decide before its body is read: whether it is an Open Inference request in
/// Triton's SageMaker form (by its Content-Type), else the format its body is labelled with and the answer's format
/// (kept as a result: a JSON body may turn out to be an Open Inference request, which has no Accept to honour).
///
/// Negotiated once per request by `InvocationHandler`, and by `ExpectContinueHandler` so that a request the headers
/// alone refuse — 415 for the Content-Type, 406 for Accept — gets no `100 Continue` and its client never uploads a
/// body only to be refused.
enum InvocationHeaders {
    /// Triton's SageMaker mode: a V2 request whose JSON header is this many bytes, then a binary section.
    case openInference(headerLength: Int)
    case sageMaker(format: RequestFormat, answer: Result<ResponseFormat, CodecError>)

    /// Throws an `InvocationFailure` (415, 406) or, for a malformed Triton content type, an Open Inference failure.
    init(contentType: String?, accept: String?, defaultAccept: ResponseFormat) throws {
        let tritonHeaderLength: Int?
        do throws(OpenInferenceError) {
            tritonHeaderLength = try InferenceRequest.sageMakerTritonHeaderLength(contentType: contentType)
        } catch {
            throw InvocationHandler.OpenInferenceFailure(failure: InvocationFailure(error))
        }
        if let tritonHeaderLength {
            self = .openInference(headerLength: tritonHeaderLength)
            return
        }
        let format: RequestFormat
        do {
            format = try RequestFormat.negotiate(contentType: contentType)
        } catch {
            throw InvocationFailure(error)
        }
        let answer = Result { () throws(CodecError) in
            try ResponseFormat.negotiate(accept: accept, defaultFormat: defaultAccept)
        }
        // 406 before reading the body, except for JSON, which may be a V2 request (which has no Accept to honour).
        if format != .json, case .failure(let error) = answer { throw InvocationFailure(error) }
        self = .sageMaker(format: format, answer: answer)
    }
}
