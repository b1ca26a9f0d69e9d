import NIOCore
import Testing
@testable import GatewayHTTP2

/// What the client saw on each stream, assembled from its events.
private struct Seen {
    var status: [Int32: Int] = [:]
    var headers: [Int32: [(name: String, value: String)]] = [:]
    var body: [Int32: String] = [:]
    var chunks: [Int32: [String]] = [:]
    var closed: [Int32: UInt32] = [:]
    var goAway: (lastStreamID: Int32, errorCode: UInt32)?

    mutating func add(_ events: [HTTP2ClientEvent]) {
        for event in events {
            switch event {
            case .response(let id, let status, let headers):
                self.status[id.rawValue] = status
                self.headers[id.rawValue] = headers
            case .data(let id, let bytes):
                let text = String(buffer: bytes)
                self.body[id.rawValue, default: ""] += text
                self.chunks[id.rawValue, default: []].append(text)
            case .streamClosed(let id, let errorCode):
                #expect(self.closed[id.rawValue] == nil, "closed twice")
                self.closed[id.rawValue] = errorCode
            case .goAwayReceived(let lastStreamID, let errorCode):
                self.goAway = (lastStreamID, errorCode)
            }
        }
    }
}

@Suite struct HTTP2ClientSessionTests {
    /// A client with two streams open on a server that answered both with a streaming 200 (not yet pumped
    /// back): the client's ids and the server's, in request order.
    private func twoAnsweredStreams(_ firstPath: String, _ secondPath: String) throws -> (
        server: HTTP2ServerSession, client: HTTP2ClientSession, first: HTTP2StreamID, second: HTTP2StreamID,
        serverIDs: [HTTP2StreamID]
    ) {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let first = try #require(client.startRequest(method: "GET", path: firstPath, authority: "localhost"))
        let second = try #require(client.startRequest(method: "GET", path: secondPath, authority: "localhost"))
        try pump(client, server)
        let serverIDs = server.takeEvents().requests.map(\.0)
        #expect(serverIDs.count == 2)
        for serverID in serverIDs {
            server.respond(to: serverID, status: 200, headers: [], body: .streaming)
        }
        return (server, client, first, second, serverIDs)
    }

    @Test func getReceivesResponseDataAndClose() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let id = try #require(client.startRequest(method: "GET", path: "/hello", authority: "localhost"))
        #expect(client.openStreamCount == 1)
        try pump(client, server)
        let (serverID, request) = try #require(server.takeEvents().requests.first)
        #expect(request.method == "GET")
        #expect(request.path == "/hello")
        #expect(request.authority == "localhost")
        #expect(request.scheme == "https")

        server.respond(to: serverID, status: 200, headers: [("Content-Type", "text/plain")], body: .bytes(bytes("hi")))
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.status[id.rawValue] == 200)
        #expect(seen.headers[id.rawValue]?.first { $0.name == "content-type" }?.value == "text/plain")
        #expect(seen.body[id.rawValue] == "hi")
        #expect(seen.closed[id.rawValue] == 0)
        #expect(client.openStreamCount == 0)
        #expect(client.wantsRead)
    }

    @Test func postSendsTheBody() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let body = String(repeating: "x", count: 40_000)
        let id = try #require(
            client.startRequest(
                method: "POST", path: "/publish/news", authority: "localhost",
                headers: [("Content-Type", "text/plain")], body: bytes(body)))
        try pump(client, server)
        let (serverID, request) = try #require(server.takeEvents().requests.first)
        #expect(request.method == "POST")
        #expect(String(buffer: request.body) == body)
        #expect(request.headers.first { $0.name == "content-type" }?.value == "text/plain")

        server.respond(to: serverID, status: 204, headers: [], body: .empty)
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.status[id.rawValue] == 204)
        #expect(seen.closed[id.rawValue] == 0)
    }

    @Test func hundredConcurrentStreams() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(maxConcurrentStreams: 100))
        let client = try HTTP2ClientSession()
        let ids = try (0..<100).map { index in
            try #require(client.startRequest(method: "GET", path: "/events/\(index)", authority: "localhost"))
        }
        #expect(Set(ids).count == 100)
        try pump(client, server)
        let requests = server.takeEvents().requests
        #expect(requests.count == 100)
        #expect(client.openStreamCount == 100)
        for (serverID, request) in requests {
            server.respond(to: serverID, status: 200, headers: [], body: .bytes(bytes(request.path)))
        }
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        for (index, id) in ids.enumerated() {
            #expect(seen.status[id.rawValue] == 200)
            #expect(seen.body[id.rawValue] == "/events/\(index)")
            #expect(seen.closed[id.rawValue] == 0)
        }
        #expect(client.openStreamCount == 0)
    }

    @Test func streamedChunksArriveInOrder() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let id = try #require(client.startRequest(method: "GET", path: "/events/news", authority: "localhost"))
        try pump(client, server)
        let serverID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: serverID, status: 200, headers: [("content-type", "text/event-stream")], body: .streaming)
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.status[id.rawValue] == 200)
        #expect(seen.body[id.rawValue] == nil)

        let chunks = (1...5).map { "id: \($0)\ndata: event \($0)\n\n" }
        for chunk in chunks {
            server.enqueue(bytes(chunk), on: serverID)
            try pump(client, server)
        }
        seen.add(client.takeEvents())
        #expect(seen.chunks[id.rawValue] == chunks)
        #expect(seen.closed[id.rawValue] == nil)

        // Several chunks in one receive are slices of one buffer, still in order.
        for chunk in chunks {
            server.enqueue(bytes(chunk), on: serverID)
        }
        server.finishStream(serverID)
        try pump(client, server)
        seen.add(client.takeEvents())
        #expect(seen.body[id.rawValue] == (chunks + chunks).joined())
        #expect(seen.closed[id.rawValue] == 0)
    }

    /// `drainEvents` hands out what `takeEvents()` would, in order, once; its DATA views come from a receive
    /// buffer it clears and reuses, so a second round must not show the first round's bytes.
    @Test func drainedEventsMatchTakenOnes() throws {
        let (server, client, first, second, serverIDs) = try twoAnsweredStreams("/events/a", "/events/b")
        var seen = Seen()
        func drain() {
            var events: [HTTP2ClientEvent] = []
            client.drainEvents { view in
                switch view {
                case .event(let event): events.append(event)
                case .data(let id, let bytes): events.append(.data(id, ByteBuffer(bytes: bytes)))
                }
            }
            seen.add(events)
        }
        for round in 1...2 {
            for (index, serverID) in serverIDs.enumerated() {
                server.enqueue(bytes("data: \(round)-\(index)\n\n"), on: serverID)
                server.enqueue(bytes("data: \(round)-\(index)b\n\n"), on: serverID)
            }
            try pump(client, server)
            drain()
        }
        for serverID in serverIDs {
            server.finishStream(serverID)
        }
        try pump(client, server)
        drain()
        drain()  // Nothing left: every event once.
        #expect(seen.status[first.rawValue] == 200)
        #expect(seen.status[second.rawValue] == 200)
        #expect(seen.body[first.rawValue] == "data: 1-0\n\ndata: 1-0b\n\ndata: 2-0\n\ndata: 2-0b\n\n")
        #expect(seen.body[second.rawValue] == "data: 1-1\n\ndata: 1-1b\n\ndata: 2-1\n\ndata: 2-1b\n\n")
        #expect(seen.closed[first.rawValue] == 0)
        #expect(seen.closed[second.rawValue] == 0)
    }

    @Test func serverResetClosesTheStreamWithItsCode() throws {
        let (server, client, id, sibling, serverIDs) = try twoAnsweredStreams("/events/news", "/events/other")
        try pump(client, server)
        server.resetStream(serverIDs[0], errorCode: HTTP2ErrorCode.cancel)
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.closed[id.rawValue] == HTTP2ErrorCode.cancel)
        #expect(seen.closed[sibling.rawValue] == nil)
        #expect(client.openStreamCount == 1)
    }

    @Test func clientResetReachesTheServer() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let id = try #require(client.startRequest(method: "GET", path: "/events/news", authority: "localhost"))
        try pump(client, server)
        let serverID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: serverID, status: 200, headers: [], body: .streaming)
        try pump(client, server)
        client.resetStream(id, errorCode: HTTP2ErrorCode.cancel)
        try pump(client, server)
        #expect(server.takeEvents().closedStreams.first?.1 == HTTP2ErrorCode.cancel)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.closed[id.rawValue] == HTTP2ErrorCode.cancel)
    }

    @Test func goAwayIsReportedAndStopsNewRequests() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let id = try #require(client.startRequest(method: "GET", path: "/a", authority: "localhost"))
        try pump(client, server)
        _ = server.takeEvents()
        server.goAway(errorCode: HTTP2ErrorCode.noError)
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.goAway?.lastStreamID == id.rawValue)
        #expect(seen.goAway?.errorCode == HTTP2ErrorCode.noError)
        #expect(client.startRequest(method: "GET", path: "/b", authority: "localhost") == nil)
    }

    @Test func settingsArrive() throws {
        let settings = HTTP2ClientSettings(
            initialWindowSize: 1 << 20, connectionWindowSize: 1 << 24, maxConcurrentStreams: 7, maxHeaderListSize: 4096)
        #expect(settings.initialWindowSize == 1 << 20)
        #expect(settings.connectionWindowSize == 1 << 24)
        #expect(settings.maxConcurrentStreams == 7)
        #expect(settings.maxHeaderListSize == 4096)
        let client = try HTTP2ClientSession(settings: settings)
        var preface = ByteBuffer()
        _ = try client.collectOutput(into: &preface, maxBytes: 1 << 20)
        #expect(preface.readString(length: 24) == "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
        let frames = frameHeaders(in: preface)
        #expect(frames.map(\.type) == [0x4, 0x8])  // SETTINGS, WINDOW_UPDATE on stream 0
        #expect(frames.last?.streamID == 0)
    }

    @Test func largeBodyArrivesIntactWithinTheWindow() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = try HTTP2ClientSession()
        let id = try #require(client.startRequest(method: "GET", path: "/big", authority: "localhost"))
        try pump(client, server)
        let serverID = try #require(server.takeEvents().requests.first?.0)
        let payload = String((0..<300_000).map { Character(UnicodeScalar(UInt8(97 + $0 % 26))) })
        server.respond(to: serverID, status: 200, headers: [], body: .bytes(bytes(payload)))
        try pump(client, server)
        var seen = Seen()
        seen.add(client.takeEvents())
        #expect(seen.body[id.rawValue] == payload)
        #expect(seen.closed[id.rawValue] == 0)
    }
}
