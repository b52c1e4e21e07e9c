@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HTTPTypes
import HummingbirdTesting
import Testing

/// Clients that hold a connection without finishing their request (RequestDeadlineHandler): a body that trickles
/// in is cut off with 408, a body announced too large is answered 413 and never read, and the connection closes.
@Suite struct SlowClientTests {
    static let model = Fixtures.root + "/xgboost-binary-legacy/model"

    @Test func aBodyThatDoesNotArriveInTimeIs408AndTheConnectionCloses() async throws {
        try await TestServer.run(modelDirectory: Self.model, configure: { $0.serving.bodyTimeoutSeconds = 1 }) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 100\r\n\r\n1,")
            let answer = try #require(try await connection.readUntilClosed(within: 6), "the connection was still open after 6 s")
            #expect(answer.hasPrefix("HTTP/1.1 408"))
            #expect(answer.contains("BERTH_BODY_TIMEOUT_SECONDS"))
            #expect(answer.lowercased().contains("connection: close"))
            let ping = try await client.execute(uri: "/ping", method: .get)
            #expect(ping.status == .ok)
        }
    }

    @Test func aBodyAnnouncedTooLargeIs413WithoutBeingRead() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            // Ten gigabytes announced, a few bytes sent: the answer must not wait for the rest.
            connection.send("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nContent-Length: 10000000000\r\n\r\n1,2,3")
            let answer = try #require(try await connection.readUntilClosed(within: 6), "the server waited for the announced body")
            #expect(answer.hasPrefix("HTTP/1.1 413"))
            #expect(answer.lowercased().contains("connection: close"))
        }
    }

    /// What the server answers a chunked `POST route` of `chunks` blank chunks of `size` bytes (its connection closed).
    static func answerToChunked(_ client: some TestClientProtocol, _ route: String, chunks: Int, size: Int) async throws -> String {
        let connection = try RawConnection(port: try #require(client.port))
        connection.send("POST \(route) HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n")
        let chunk = String(repeating: " ", count: size)
        for _ in 0..<chunks { connection.send(String(size, radix: 16) + "\r\n" + chunk + "\r\n") }
        return try #require(try await connection.readUntilClosed(within: 6), "the connection stayed open")
    }

    /// A chunked body has no length to refuse up front: it is refused with 413 and its message (not a 500) as soon as
    /// what has streamed in passes the limit, on every route that predicts.
    @Test(arguments: ["/invocations", "/v2/models/model/infer"])
    func aChunkedBodyPastTheLimitIs413(_ route: String) async throws {
        try await TestServer.run(modelDirectory: Self.model, environment: ["SAGEMAKER_MAX_PAYLOAD_IN_MB": "1"]) { client in
            let answer = try await Self.answerToChunked(client, route, chunks: 17, size: 64 << 10)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(answer.contains("SAGEMAKER_MAX_PAYLOAD_IN_MB"))
        }
    }

    /// A body whose chunked framing is broken is the client's mistake: a 400 saying so (not a 500), counted as a
    /// malformed body, on every route that predicts.
    @Test(arguments: ["/invocations", "/v2/models/model/infer"])
    func aBrokenChunkIs400(_ route: String) async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("POST \(route) HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\nTransfer-Encoding: chunked\r\n\r\n4\r\n1,2,\r\nzz\r\n")
            let answer = try #require(try await connection.readUntilClosed(within: 6), "the connection stayed open")
            #expect(answer.hasPrefix("HTTP/1.1 400"), "\(answer.prefix(200))")
            #expect(answer.contains("framing is malformed"), "\(answer)")
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"berth_refusals_total{reason="malformed_body"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("refusals") })")
            #expect(!metrics.contains(#"reason="internal_error""#))
        }
    }

    /// A request HTTP/1.1 cannot parse is answered with what was wrong — 431 for a header section past 80 KiB, 400
    /// naming the parse error otherwise — and counted under `unmatched`, not left to an empty 400 no metric sees.
    @Test func unparsableRequestsAreAnsweredAndCounted() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let huge = try RawConnection(port: try #require(client.port))
            huge.send("GET /ping HTTP/1.1\r\nHost: x\r\nX-Padding: " + String(repeating: "a", count: 100_000) + "\r\n\r\n")
            let tooLarge = try #require(try await huge.readUntilClosed(within: 6), "the connection stayed open")
            #expect(tooLarge.hasPrefix("HTTP/1.1 431"), "\(tooLarge.prefix(200))")
            #expect(tooLarge.contains("larger than the 80 KiB Berth reads"))
            let garbage = try RawConnection(port: try #require(client.port))
            garbage.send("NOT HTTP AT ALL\r\n\r\n")
            let bad = try #require(try await garbage.readUntilClosed(within: 6), "the connection stayed open")
            #expect(bad.hasPrefix("HTTP/1.1 400"), "\(bad.prefix(200))")
            #expect(bad.contains("is not valid HTTP/1.1"))
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"berth_http_requests_total{path="unmatched",status="431"} 1"#), "\(metrics.split(separator: "\n").filter { $0.contains("unmatched") })")
            #expect(metrics.contains(#"berth_http_requests_total{path="unmatched",status="400"} 1"#))
            #expect(metrics.contains(#"berth_refusals_total{reason="payload_too_large"} 1"#))
        }
    }

    /// A multi-model load request streamed past its 64 KiB is a 413 that says so, as a prediction's body is.
    @Test func aChunkedLoadRequestPastItsLimitIs413() async throws {
        try await TestServer.run(modelDirectory: "/nonexistent", environment: ["SAGEMAKER_MULTI_MODEL": "True"]) { client in
            let answer = try await Self.answerToChunked(client, "/models", chunks: 5, size: 16 << 10)
            #expect(answer.hasPrefix("HTTP/1.1 413"), "\(answer.prefix(200))")
            #expect(answer.contains("at most 64 KiB"))
        }
    }

    @Test func anAnswerGivenBeforeTheBodyEndsSaysTheConnectionCloses() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            // 415 is decided from the headers; the announced body never finishes.
            connection.send("POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\nContent-Length: 1000\r\n\r\n1")
            let answer = try #require(try await connection.readUntilClosed(within: 6), "the connection stayed open")
            #expect(answer.hasPrefix("HTTP/1.1 415"))
            #expect(answer.lowercased().contains("connection: close"))
        }
    }

    @Test func aCompleteRequestKeepsItsConnectionOpen() async throws {
        try await TestServer.run(modelDirectory: Self.model, configure: { $0.serving.bodyTimeoutSeconds = 1 }) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("GET /ping HTTP/1.1\r\nHost: x\r\n\r\n")
            // Past the body deadline: a request that finished is not cut off.
            let answer = try await connection.readUntilClosed(within: 2.5)
            #expect(answer == nil)
        }
    }
}
