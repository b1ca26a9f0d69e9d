import CNGHTTP2
import NIOCore
import Testing
@testable import GatewayHTTP2

@Suite struct HTTP2RequestTests {
    @Test func getRequestAndBytesResponse() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events?topic=a", headers: [("accept", "text/event-stream")])
        try pump(client, server)

        let requests = server.takeEvents().requests
        try #require(requests.count == 1)
        let (streamID, request) = requests[0]
        #expect(streamID == HTTP2StreamID(id))
        #expect(request.method == "GET")
        #expect(request.path == "/events?topic=a")
        #expect(request.authority == "example.test")
        #expect(request.scheme == "https")
        #expect(request.headers.contains { $0 == (name: "accept", value: "text/event-stream") })
        #expect(request.body.readableBytes == 0)
        #expect(request.problem == nil)

        let responded = server.respond(
            to: streamID, status: 200, headers: [("content-type", "text/plain"), ("X-Custom", "yes")],
            body: .bytes(bytes("hello")))
        #expect(responded)
        try pump(client, server)

        let response = client.response(id)
        #expect(response.status == 200)
        #expect(response.header("content-type") == "text/plain")
        #expect(response.header("x-custom") == "yes")
        #expect(String(decoding: response.body, as: UTF8.self) == "hello")
        #expect(response.endStream)
        let closed = server.takeEvents().closedStreams
        #expect(closed.count == 1)
        #expect(closed.first?.0 == streamID)
        #expect(closed.first?.1 == HTTP2ErrorCode.noError)
        #expect(server.openStreamCount == 0)
        #expect(!server.respond(to: streamID, status: 200, headers: [], body: .empty))
    }

    @Test func postBodyIsDelivered() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let body = (0..<1000).map { UInt8($0 % 251) }
        let id = client.request(method: "POST", path: "/publish", body: body)
        try pump(client, server)

        let requests = server.takeEvents().requests
        try #require(requests.count == 1)
        #expect(requests[0].0 == HTTP2StreamID(id))
        #expect(requests[0].1.method == "POST")
        #expect(requests[0].1.body == ByteBuffer(bytes: body))
        #expect(requests[0].1.problem == nil)
    }

    @Test func bodyOverTheLimitIsDeliveredEarlyAndTheStreamEndsCleanly() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings(maxRequestBodyBytes: 1000))
        let client = InMemoryHTTP2Client()
        // Larger than the 65535-byte stream window: the client is still sending when we answer.
        let id = client.request(method: "POST", path: "/publish", body: Array(repeating: 7, count: 200_000))
        // One flight only (HEADERS + the first window of DATA), so we answer while the upload is under way.
        try server.receive(ByteBuffer(bytes: client.send()))

        let requests = server.takeEvents().requests
        try #require(requests.count == 1)
        #expect(requests[0].1.problem == .bodyTooLarge)
        #expect(requests[0].1.body.readableBytes == 0)

        server.respond(to: requests[0].0, status: 413, headers: [], body: .empty)
        try pump(client, server)
        let response = client.response(id)
        #expect(response.status == 413)
        #expect(response.endStream)
        // RFC 9113 §8.1: RST_STREAM(NO_ERROR) stops the rest of the upload.
        #expect(response.resetCode == HTTP2ErrorCode.noError)
        let events = server.takeEvents()
        #expect(events.requests.isEmpty)
        #expect(events.closedStreams.count == 1)
    }

    @Test(arguments: [
        (0..<200).map { ("x-header-\($0)", "v") },
        [("x-big", String(repeating: "a", count: 20_000))],
    ])
    func headerListTooLarge(headers: [(String, String)]) throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        let id = client.request(path: "/events", headers: headers)
        try pump(client, server)

        let requests = server.takeEvents().requests
        try #require(requests.count == 1)
        #expect(requests[0].1.problem == .headerListTooLarge)
        // Nothing past the limit was stored.
        #expect(requests[0].1.headers.count < 100)
        #expect(!requests[0].1.headers.contains { $0.name == "x-big" })

        server.respond(to: requests[0].0, status: 431, headers: [], body: .empty)
        try pump(client, server)
        #expect(client.response(id).status == 431)
        #expect(client.response(id).endStream)
    }

    @Test func headersWithinTheLimitsAreAccepted() throws {
        let server = try HTTP2ServerSession(settings: HTTP2SessionSettings())
        let client = InMemoryHTTP2Client()
        client.request(headers: (0..<90).map { ("x-header-\($0)", "v") })
        try pump(client, server)
        let requests = server.takeEvents().requests
        try #require(requests.count == 1)
        #expect(requests[0].1.problem == nil)
        #expect(requests[0].1.headers.count == 90)
    }
}
