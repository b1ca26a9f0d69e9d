import GatewayTestSupport
import NIOCore
import Testing

@testable import GatewayHTTP2

/// The connection keeps each stream's response stream with the session (`attach`), not in a table of its
/// own: it must survive until taken, also across nghttp2 closing the stream, and never be kept where there
/// is no streaming response.
@Suite struct HTTP2AttachmentTests {
    final class Marker {}

    private func streamingResponse() throws -> (HTTP2ServerSession, InMemoryHTTP2Client, Int32, HTTP2StreamID) {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        #expect(server.respond(to: streamID, status: 200, headers: [], body: .streaming))
        return (server, client, id, streamID)
    }

    @Test func anAttachmentOutlivesTheStreamUntilTaken() throws {
        let (server, client, id, streamID) = try streamingResponse()
        let marker = Marker()
        #expect(server.attach(marker, to: streamID))
        #expect(server.attachment(of: streamID) === marker)
        #expect(server.attachedStreamIDs == [streamID])

        client.reset(id, errorCode: HTTP2ErrorCode.cancel)
        try pump(client, server)
        #expect(server.takeEvents().closedStreams.first?.0 == streamID)
        // The stream's entry is gone; its attachment waits for the caller, who learned of the close just now.
        #expect(server.attachment(of: streamID) === marker)
        #expect(server.detachAttachment(of: streamID) === marker)
        #expect(server.detachAttachment(of: streamID) == nil)
        #expect(server.attachedStreamIDs.isEmpty)
    }

    @Test func nothingIsKeptWithoutAStreamingResponse() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        _ = client.request(path: "/plain")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        #expect(!server.attach(Marker(), to: streamID))  // not responded yet
        #expect(server.respond(to: streamID, status: 200, headers: [], body: .bytes(ByteBuffer(string: "ok"))))
        #expect(!server.attach(Marker(), to: streamID))  // a complete body, not a stream
        #expect(!server.attach(Marker(), to: HTTP2StreamID(99)))  // no such stream
        #expect(server.attachedStreamIDs.isEmpty)
    }

    @Test func detachingAllTakesOpenAndClosedOnes() throws {
        let (server, client, id, streamID) = try streamingResponse()
        let first = Marker()
        #expect(server.attach(first, to: streamID))
        _ = client.request(path: "/events")
        try pump(client, server)
        let secondID = try #require(server.takeEvents().requests.first?.0)
        #expect(server.respond(to: secondID, status: 200, headers: [], body: .streaming))
        let other = Marker()
        #expect(server.attach(other, to: secondID))
        client.reset(id, errorCode: HTTP2ErrorCode.cancel)
        try pump(client, server)
        let taken = server.detachAllAttachments()
        #expect(Set(taken.map(\.id.rawValue)) == [streamID.rawValue, secondID.rawValue])
        #expect(server.attachedStreamIDs.isEmpty)
    }

    /// Holding the attachment costs no memory: the queue stays in the malloc block it had without it.
    @Test func theQueueStaysInItsMallocBlock() {
        #expect(mallocUsableSize(of: HTTP2OutboundQueue()) <= 72)
    }
}
