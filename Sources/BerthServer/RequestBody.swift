import BerthRuntime
import HTTPTypes
import Hummingbird
import NIOCore
import NIOHTTP1

/// A prediction request's body, collected under the payload limit and the body deadline, for every route that
/// predicts (`/invocations`, a multi-model invoke, an Open Inference Protocol infer).
struct RequestBody: Sendable {
    let serving: ServingSettings

    /// The body, refusing it with 413 as soon as it is known to be too large — from Content-Length without
    /// reading it, or while it streams in (chunked bodies have no length) — and with 408 when it does not arrive.
    func collect(_ request: Request) async throws -> ByteBuffer {
        let limit = serving.payloadLimit.bytes ?? Int.max
        return try await collect(request, limit: limit, tooLarge: InvocationFailure(.contentTooLarge, """
            the request body is larger than \(limit) bytes (\(limit >> 20) MiB), the limit: split it into smaller \
            requests, or raise SAGEMAKER_MAX_PAYLOAD_IN_MB (0 = unlimited)
            """))
    }

    /// The body of at most `limit` bytes, refused with `tooLarge` past it and with 408 when it does not arrive.
    func collect(_ request: Request, limit: Int, tooLarge: @autoclosure () -> InvocationFailure) async throws -> ByteBuffer {
        if let declared = request.headers.value(of: .contentLength).flatMap({ Int($0) }), declared > limit {
            throw tooLarge()
        }
        do {
            return try await request.body.collect(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw tooLarge()
        } catch is NIOTooManyBytesError {
            // What a streamed (chunked) body throws once it passes the limit.
            throw tooLarge()
        } catch let error as HTTPParserError {
            // The client's framing, never Berth's fault: a connection closed mid-body (a caller's timeout), a bad
            // chunk, a Transfer-Encoding other than chunked. Answered (where the connection still can be) and counted
            // as a client's mistake, not as a 500.
            if case .invalidEOFState = error {
                throw InvocationFailure(.badRequest, "the connection closed before the whole request body arrived: send all of it (every byte Content-Length announces, or every chunk and the last)",
                                        reason: .malformedBody)
            }
            throw InvocationFailure(.badRequest, """
                the request body's HTTP framing is malformed (\(error)): send a Content-Length and exactly that many bytes, \
                or Transfer-Encoding: chunked alone with valid chunks
                """, reason: .malformedBody)
        } catch is RequestDeadlineHandler.BodyTimeout {
            throw InvocationFailure(.requestTimeout, """
                the request body did not arrive within \(serving.bodyTimeoutSeconds) s of its headers: send it at once \
                (or raise BERTH_BODY_TIMEOUT_SECONDS)
                """)
        }
    }
}
