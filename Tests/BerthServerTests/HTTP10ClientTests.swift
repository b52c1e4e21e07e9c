@testable import BerthRuntime
@testable import BerthServer
import BerthTestSupport
import Foundation
import HummingbirdTesting
import Testing

/// HTTP/1.0 clients (ApacheBench, old proxies) get their connection closed after the answer unless they asked
/// to keep it, and are told when it is kept (HTTP10ConnectionHandler).
@Suite struct HTTP10ClientTests {
    static let model = Fixtures.root + "/xgboost-binary-legacy/model"

    @Test func anHTTP10RequestHasItsConnectionClosedAfterTheAnswer() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("POST /invocations HTTP/1.0\r\nContent-Type: text/csv\r\nContent-Length: 24\r\n\r\n1,2,3,4,5,6,7,8,9,10,11,")
            let answer = try #require(try await connection.readUntilClosed(within: 3), "the connection stayed open")
            #expect(answer.hasPrefix("HTTP/1.1 200"))
        }
    }

    /// HTTP/1.0 has no 1xx answers: its `Expect: 100-continue` is ignored (RFC 9110 §10.1.1), the body read as sent.
    @Test func anHTTP10ExpectationGetsNo100Continue() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("POST /invocations HTTP/1.0\r\nContent-Type: text/csv\r\nExpect: 100-continue\r\nContent-Length: 24\r\n\r\n1,2,3,4,5,6,7,8,9,10,11,")
            let answer = try #require(try await connection.readUntilClosed(within: 3), "the connection stayed open")
            #expect(answer.hasPrefix("HTTP/1.1 200"), "\(answer)")
            #expect(!answer.contains("100 Continue"), "\(answer)")
        }
    }

    @Test func anHTTP10KeepAliveRequestIsToldItsConnectionStaysOpen() async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send("GET /ping HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\nGET /ping HTTP/1.0\r\n\r\n")
            let answers = try #require(try await connection.readUntilClosed(within: 3), "the second request did not close the connection")
            #expect(answers.components(separatedBy: "HTTP/1.1 200").count == 3, "\(answers)")
            #expect(answers.lowercased().components(separatedBy: "connection: keep-alive").count == 2, "\(answers)")
        }
    }
}
