@testable import BerthServer
import BerthTestSupport
import HummingbirdTesting
import Testing

/// `Expect: 100-continue` (curl sends it for bodies over 1 MiB): `100 Continue` for a request Berth will read, none
/// for one its headers already refuse, whose client then never uploads the body (RFC 9110 §10.1.1).
@Suite struct ExpectContinueTests {
    static let model = Fixtures.root + "/xgboost-binary-legacy/model"
    static let body = "1,2,3,4,5,6,7,8,9,10,11,"

    func head(_ path: String = "/invocations", contentType: String, accept: String? = nil) -> String {
        "POST \(path) HTTP/1.1\r\nHost: x\r\nContent-Type: \(contentType)\r\n" + (accept.map { "Accept: \($0)\r\n" } ?? "")
            + "Expect: 100-continue\r\nContent-Length: \(Self.body.utf8.count)\r\n\r\n"
    }

    /// A JSON body with an Accept Berth cannot answer is still read: it may be an Open Inference request, which has
    /// no Accept to honour (406 only once the body shows it is not). A path no invocation route matches is not an
    /// invocation, whatever its Content-Type: its body is read and its answer is the router's 404.
    @Test(arguments: [("/invocations", "text/csv", nil, "200"), ("/invocations?x=1", "text/csv", "text/csv", "200"),
                      ("/invocations", "application/json", "image/png", "406"), ("/models/a/b/invoke", "image/png", nil, "404")])
    func aRequestBerthWillReadGets100ContinueThenItsAnswer(_ path: String, _ contentType: String, _ accept: String?,
                                                           _ status: String) async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send(head(path, contentType: contentType, accept: accept))
            let interim = try await connection.readHead(within: 10)
            #expect(interim.hasPrefix("HTTP/1.1 100 Continue"), "\(interim)")
            connection.send(Self.body)
            // The router's 404 does not wait for the body, so it may come with the 100 Continue.
            let sameRead = interim.firstRange(of: "\r\n\r\n").map { String(interim[$0.upperBound...]) } ?? ""
            let answer = sameRead.contains("\r\n\r\n") ? sameRead : sameRead + (try await connection.readHead(within: 10))
            #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(interim) then \(answer)")
        }
    }

    @Test(arguments: [("image/png", nil, "415"), ("text/csv", "image/png", "406"), ("application/x-www-form-urlencoded; charset=x", "text/html", "406")])
    func aRequestItsHeadersRefuseGetsNo100Continue(_ contentType: String, _ accept: String?, _ status: String) async throws {
        try await TestServer.run(modelDirectory: Self.model) { client in
            let connection = try RawConnection(port: try #require(client.port))
            connection.send(head(contentType: contentType, accept: accept))
            let answer = try await connection.readHead(within: 10)
            #expect(answer.hasPrefix("HTTP/1.1 \(status)"), "\(answer)")
            #expect(!answer.contains("100 Continue"), "\(answer)")
        }
    }
}
