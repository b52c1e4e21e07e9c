@testable import BerthRuntime
@testable import BerthServer
import HTTPTypes
import NIOCore
import NIOEmbedded
import NIOHTTPTypes
import Testing

/// `RequestDeadlineHandler` on its own, with the event loop's clock in the test's hands.
@Suite struct RequestDeadlineHandlerTests {
    static let post = HTTPRequest(method: .post, scheme: "http", authority: "x", path: "/invocations")

    static func connectedChannel(bodyTimeout: TimeAmount) throws -> EmbeddedChannel {
        let channel = EmbeddedChannel(handler: RequestDeadlineHandler(bodyTimeout: bodyTimeout))
        try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        return channel
    }

    @Test func aLateBodyFailsTheRequestAndTheConnectionClosesEvenIfTheBodyThenArrives() throws {
        let channel = try Self.connectedChannel(bodyTimeout: .seconds(1))
        try channel.writeInbound(HTTPRequestPart.head(Self.post))
        channel.embeddedEventLoop.advanceTime(by: .seconds(1))
        #expect(throws: RequestDeadlineHandler.BodyTimeout.self) { try channel.throwIfErrorCaught() }
        #expect(channel.isActive, "the 408 still has to be written")
        // The rest of the body arrives after the deadline: the close must still come.
        try channel.writeInbound(HTTPRequestPart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: RequestDeadlineHandler.lingerTime)
        #expect(!channel.isActive)
    }

    /// The timer is only scheduled when a read ends before the body does, but the deadline still counts from the
    /// head: body parts trickling in, each its own read, do not push it back.
    @Test func theDeadlineCountsFromTheHeadNotFromTheLastRead() throws {
        let channel = try Self.connectedChannel(bodyTimeout: .seconds(1))
        try channel.writeInbound(HTTPRequestPart.head(Self.post))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(600))
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: "1,2")))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(399))
        try channel.throwIfErrorCaught()
        try channel.writeInbound(HTTPRequestPart.body(ByteBuffer(string: ",3")))
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(throws: RequestDeadlineHandler.BodyTimeout.self) { try channel.throwIfErrorCaught() }
    }

    /// Pipelined requests: one read brings a whole request and the next one's head; the second body's deadline is
    /// put on a timer when that read ends, and passes.
    @Test func aPipelinedRequestsBodyStillHasItsDeadline() throws {
        let channel = try Self.connectedChannel(bodyTimeout: .seconds(1))
        channel.pipeline.fireChannelRead(HTTPRequestPart.head(Self.post))
        channel.pipeline.fireChannelRead(HTTPRequestPart.end(nil))
        channel.pipeline.fireChannelRead(HTTPRequestPart.head(Self.post))
        channel.pipeline.fireChannelReadComplete()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(999))
        try channel.throwIfErrorCaught()
        channel.embeddedEventLoop.advanceTime(by: .milliseconds(1))
        #expect(throws: RequestDeadlineHandler.BodyTimeout.self) { try channel.throwIfErrorCaught() }
    }

    @Test func anEarlyAnswerSaysTheConnectionCloses() throws {
        let channel = try Self.connectedChannel(bodyTimeout: .seconds(60))
        try channel.writeInbound(HTTPRequestPart.head(Self.post))
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .contentTooLarge)))
        let head = try channel.readOutbound(as: HTTPResponsePart.self)
        guard case .head(let response) = head else { Issue.record("no response head"); return }
        #expect(response.headerFields[.connection] == "close")
    }

    @Test func aRequestThatEndsInTimeIsNotCutOff() throws {
        let channel = try Self.connectedChannel(bodyTimeout: .seconds(1))
        try channel.writeInbound(HTTPRequestPart.head(Self.post))
        try channel.writeInbound(HTTPRequestPart.end(nil))
        try channel.writeOutbound(HTTPResponsePart.head(HTTPResponse(status: .ok)))
        try channel.writeOutbound(HTTPResponsePart.end(nil))
        channel.embeddedEventLoop.advanceTime(by: .seconds(10))
        #expect(channel.isActive)
        let head = try channel.readOutbound(as: HTTPResponsePart.self)
        guard case .head(let response) = head else { Issue.record("no response head"); return }
        #expect(response.headerFields[.connection] == nil)
    }
}
