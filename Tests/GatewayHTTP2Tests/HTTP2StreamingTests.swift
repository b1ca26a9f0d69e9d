import CNGHTTP2
import NIOCore
import Testing
@testable import GatewayHTTP2

@Suite struct HTTP2StreamingTests {
    @Test func streamingBodyIsDeferredThenDeliveredInOrder() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)

        server.respond(to: streamID, status: 200, headers: [("content-type", "text/event-stream")], body: .streaming)
        try pump(client, server)
        #expect(client.response(id).status == 200)
        #expect(client.response(id).dataFrames.isEmpty)
        #expect(!client.response(id).endStream)
        #expect(!server.wantsWrite)  // parked: nothing to send until a chunk arrives

        for chunk in ["data: 1\n\n", "data: 2\n\n", "data: 3\n\n"] {
            #expect(server.enqueue(bytes(chunk), on: streamID))
            try pump(client, server)
        }
        #expect(String(decoding: client.response(id).body, as: UTF8.self) == "data: 1\n\ndata: 2\n\ndata: 3\n\n")
        #expect(client.response(id).dataFrames.count == 3)
        #expect(!client.response(id).endStream)
        #expect(server.queuedBytes(on: streamID) == 0)

        server.finishStream(streamID)
        try pump(client, server)
        #expect(client.response(id).endStream)
        #expect(server.takeEvents().closedStreams.map(\.0) == [streamID])
        #expect(!server.enqueue(bytes("late"), on: streamID))
    }

    /// `prefetch` (the fan-out's hint one stream ahead) only loads memory: on a stream still receiving its
    /// request, one whose queue holds bytes, one parked, an unknown id and a closed one, it changes nothing
    /// that is sent, queued or owed, and the stream goes on as if it had not been called.
    @Test func prefetchIsOnlyAHint() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let first = client.request(path: "/events")
        let second = client.request(path: "/events")
        try pump(client, server)
        let streamIDs = server.takeEvents().requests.map(\.0)
        #expect(streamIDs.count == 2)
        server.prefetch(streamIDs[0])  // delivered as a request, not answered yet: no queue
        #expect(!server.wantsWrite)

        server.respond(to: streamIDs[0], status: 200, headers: [], body: .streaming)
        server.respond(to: streamIDs[1], status: 200, headers: [], body: .streaming)
        try pump(client, server)
        server.prefetch(streamIDs[1])  // parked: an empty queue
        #expect(!server.wantsWrite)
        #expect(server.enqueue(bytes("data: 1\n\n"), on: streamIDs[0]))
        let queued = server.queuedBytes(on: streamIDs[0])
        for id in streamIDs + [HTTP2StreamID(401), HTTP2StreamID(2)] {  // and an unknown odd id, an even one
            server.prefetch(id)
        }
        #expect(server.queuedBytes(on: streamIDs[0]) == queued)
        #expect(server.queuedBytes(on: streamIDs[1]) == 0)
        #expect(server.openStreamCount == 2)
        try pump(client, server)
        #expect(String(decoding: client.response(first).body, as: UTF8.self) == "data: 1\n\n")
        #expect(client.response(second).dataFrames.isEmpty)

        server.finishStream(streamIDs[0])
        try pump(client, server)
        #expect(server.takeEvents().closedStreams.map(\.0) == [streamIDs[0]])
        server.prefetch(streamIDs[0])  // closed: nghttp2 no longer has it
        #expect(!server.wantsWrite)
        #expect(!server.enqueue(bytes("late"), on: streamIDs[0]))
        #expect(server.enqueue(bytes("data: 2\n\n"), on: streamIDs[1]))
        try pump(client, server)
        #expect(String(decoding: client.response(second).body, as: UTF8.self) == "data: 2\n\n")
    }

    @Test func oneSharedBufferReachesHundredStreamsInOneBatch() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let ids = (0..<100).map { _ in client.request(path: "/events") }
        try pump(client, server)
        let streamIDs = server.takeEvents().requests.map(\.0)
        #expect(streamIDs.count == 100)
        #expect(server.openStreamCount == 100)
        for streamID in streamIDs {
            server.respond(to: streamID, status: 200, headers: [], body: .streaming)
        }
        try pump(client, server)

        let event = bytes("id: 1\ndata: shared\n\n")
        for streamID in streamIDs {
            server.enqueue(event, on: streamID)
        }
        var batch = ByteBuffer()
        _ = try server.collectOutput(into: &batch, maxBytes: 1 << 20)
        let dataStreams = Set(frameHeaders(in: batch).filter { $0.type == 0x0 }.map(\.streamID))
        #expect(dataStreams.count == 100)

        client.receive(batch)
        try pump(client, server)
        for id in ids {
            #expect(String(decoding: client.response(id).body, as: UTF8.self) == "id: 1\ndata: shared\n\n")
        }
    }

    @Test func clientResetWhileStreamingClosesTheStreamOnce() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: streamID, status: 200, headers: [], body: .streaming)
        server.enqueue(bytes("data: 1\n\n"), on: streamID)
        try pump(client, server)

        client.reset(id, errorCode: HTTP2ErrorCode.cancel)
        try pump(client, server)
        let closed = server.takeEvents().closedStreams
        #expect(closed.count == 1)
        #expect(closed.first?.0 == streamID)
        #expect(closed.first?.1 == HTTP2ErrorCode.cancel)
        #expect(server.openStreamCount == 0)
        #expect(!server.enqueue(bytes("data: 2\n\n"), on: streamID))
        try pump(client, server)
        #expect(server.takeEvents().isEmpty)
    }

    /// A million idle streams is the target: the per-stream entry is one word (phase and queue together).
    @Test func perStreamStateIsOneWord() {
        #expect(MemoryLayout<HTTP2Stream>.stride == 8)
    }

    @Test func maxBytesBoundsOneBatch() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: streamID, status: 200, headers: [], body: .bytes(ByteBuffer(repeating: 1, count: 50_000)))
        var first = ByteBuffer()
        let appended = try server.collectOutput(into: &first, maxBytes: 100)
        #expect(appended >= 100 && appended < 50_000)
        #expect(server.wantsWrite)
        client.receive(first)
        try pump(client, server)
        #expect(client.response(id).body.count == 50_000)
        #expect(client.response(id).endStream)
    }

    @Test func stalledStreamQueuesWhileItsNeighbourFlows() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client(
            settings: [(NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1000)], autoWindowUpdate: false)
        let a = client.request(path: "/a")
        let b = client.request(path: "/b")
        client.stalledStreams = [a]
        try pump(client, server)
        let requests = server.takeEvents().requests
        try #require(requests.count == 2)
        let streamA = HTTP2StreamID(a)
        let streamB = HTTP2StreamID(b)
        server.respond(to: streamA, status: 200, headers: [], body: .streaming)
        server.respond(to: streamB, status: 200, headers: [], body: .streaming)

        let chunk = ByteBuffer(repeating: 0x61, count: 1000)
        for _ in 0..<5 {
            server.enqueue(chunk, on: streamA)
            server.enqueue(chunk, on: streamB)
            try pump(client, server)
        }
        #expect(client.response(b).body.count == 5000)
        #expect(server.queuedBytes(on: streamB) == 0)
        #expect(client.response(a).body.count == 1000)
        #expect(server.queuedBytes(on: streamA) == 4000)

        // A reset drops the backlog.
        server.resetStream(streamA, errorCode: HTTP2ErrorCode.cancel)
        #expect(server.queuedBytes(on: streamA) == 0)
        try pump(client, server)
        #expect(client.response(a).resetCode == HTTP2ErrorCode.cancel)
        #expect(server.takeEvents().closedStreams.map(\.0) == [streamA])
    }
}
