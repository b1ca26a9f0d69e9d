import CNGHTTP2
import NIOCore
import Testing
@testable import GatewayHTTP2

/// RFC 9113 §5.1 (frames on closed and half-closed streams), §5.1.1 (stream ids only go up), §5.3.1 and
/// §6.3 (PRIORITY rules): the h2spec cases 5.1/5-12, 5.1.1/2, 5.3.1/2, 6.1/2 and 6.3/1, without a network.
/// The invalid frames are written raw: an nghttp2 client refuses to send them.
@Suite struct HTTP2ClosedStreamTests {
    /// A server and a client that completed the preface and SETTINGS exchange.
    private func connected(_ settings: HTTP2SessionSettings = HTTP2SessionSettings()) throws
        -> (HTTP2ServerSession, InMemoryHTTP2Client)
    {
        let server = try HTTP2ServerSession(settings: settings)
        let client = InMemoryHTTP2Client()
        try pump(client, server)
        return (server, client)
    }

    /// Feeds raw frames to the server, hands what it answers to the client (GOAWAY, RST_STREAM…) and
    /// returns the headers of the frames it answered with.
    @discardableResult
    private func inject(_ frames: ByteBuffer, _ server: HTTP2ServerSession, _ client: InMemoryHTTP2Client) throws
        -> [FrameHeader]
    {
        try server.receive(frames)
        var output = ByteBuffer()
        _ = try server.collectOutput(into: &output, maxBytes: 1 << 20)
        client.receive(output)
        return frameHeaders(in: output)
    }

    /// A request on a stream that the server answered completely: closed from both sides.
    private func closedStream(_ server: HTTP2ServerSession, _ client: InMemoryHTTP2Client) throws -> Int32 {
        let id = client.request(path: "/healthz")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: streamID, status: 200, headers: [], body: .bytes(bytes("ok")))
        try pump(client, server)
        #expect(client.response(id).endStream)
        #expect(server.openStreamCount == 0)
        return id
    }

    enum LateFrame: String, CaseIterable {
        case data, headers
    }

    /// §5.1 "closed": any frame after the peer's END_STREAM is a connection error of type STREAM_CLOSED.
    @Test(arguments: LateFrame.allCases)
    func frameAfterTheStreamClosedIsStreamClosed(_ late: LateFrame) throws {
        let (server, client) = try connected()
        let id = try closedStream(server, client)
        try inject(late == .data ? RawFrame.data(id) : RawFrame.headers(id), server, client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.streamClosed)
        #expect(!server.wantsRead)
    }

    /// §5.1 "half-closed (remote)": DATA after END_STREAM while the response is still being sent.
    @Test func dataOnAHalfClosedStreamIsStreamClosed() throws {
        let (server, client) = try connected()
        let id = client.request(path: "/events")
        try pump(client, server)
        let streamID = try #require(server.takeEvents().requests.first?.0)
        server.respond(to: streamID, status: 200, headers: [], body: .streaming)
        try pump(client, server)
        try inject(RawFrame.data(id), server, client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.streamClosed)
    }

    /// §5.1 "closed": after the client's own RST_STREAM, more frames from it are STREAM_CLOSED.
    @Test(arguments: LateFrame.allCases)
    func frameAfterTheClientResetIsStreamClosed(_ late: LateFrame) throws {
        let (server, client) = try connected()
        try inject(RawFrame.headers(1, endStream: false) + RawFrame.rstStream(1), server, client)
        #expect(client.goAwayErrorCode == nil)
        try inject(late == .data ? RawFrame.data(1) : RawFrame.headers(1), server, client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.streamClosed)
    }

    /// §5.1: "An endpoint MUST ignore frames that it receives on closed streams after it has sent a
    /// RST_STREAM frame": the client may have sent them before our reset arrived.
    @Test func framesOnAStreamWeResetAreIgnored() throws {
        let (server, client) = try connected()
        try inject(RawFrame.headers(1, endStream: false), server, client)
        server.resetStream(HTTP2StreamID(1), errorCode: HTTP2ErrorCode.cancel)
        let reset = try inject(ByteBuffer(), server, client)
        #expect(reset.map(\.type) == [0x3])
        // The raw client never opened stream 1 as far as the nghttp2 client knows, so read the server's
        // answer itself rather than the client's view of it.
        let answer = try inject(RawFrame.data(1) + RawFrame.trailers(1), server, client)
        #expect(!answer.contains { $0.type == 0x7 || $0.type == 0x3 })
        // The connection still serves requests.
        let next = try inject(RawFrame.headers(3), server, client)
        #expect(!next.contains { $0.type == 0x7 })
        #expect(server.takeEvents().requests.map(\.0) == [HTTP2StreamID(3)])
        #expect(server.wantsRead)
    }

    /// §5.1.1: "The identifier of a newly established stream MUST be numerically greater than all streams
    /// that the initiating endpoint has opened", else a connection error of type PROTOCOL_ERROR.
    @Test func headersOnALowerUnusedStreamIDIsAProtocolError() throws {
        let (server, client) = try connected()
        try inject(RawFrame.headers(5), server, client)
        #expect(server.takeEvents().requests.count == 1)
        try inject(RawFrame.headers(3), server, client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.protocolError)
        #expect(client.goAwayLastStreamID == 5)
        #expect(server.takeEvents().requests.isEmpty)
    }

    /// Trailers on a stream that is still open are not mistaken for a lower new stream.
    @Test func trailersOnAnOpenLowerStreamAreAccepted() throws {
        let (server, client) = try connected()
        try inject(RawFrame.headers(1, endStream: false), server, client)
        try inject(RawFrame.headers(3), server, client)
        try inject(RawFrame.trailers(1), server, client)
        #expect(client.goAwayErrorCode == nil)
        #expect(server.takeEvents().requests.map(\.0) == [HTTP2StreamID(3), HTTP2StreamID(1)])
    }

    /// §6.3: PRIORITY on stream 0 is a connection error; §5.3.1: a stream cannot depend on itself.
    @Test(arguments: [(stream: Int32(0), dependency: Int32(1)), (stream: Int32(1), dependency: Int32(1))])
    func invalidPriorityIsAProtocolError(_ frame: (stream: Int32, dependency: Int32)) throws {
        let (server, client) = try connected()
        try inject(RawFrame.priority(frame.stream, dependsOn: frame.dependency), server, client)
        #expect(client.goAwayErrorCode == HTTP2ErrorCode.protocolError)
    }

    /// Without retention nghttp2 forgets closed streams at once: the former behaviour, still selectable.
    @Test func withoutRetentionLateFramesAreIgnored() throws {
        let (server, client) = try connected(HTTP2SessionSettings(retainsClosedStreams: false))
        let id = try closedStream(server, client)
        let answer = try inject(RawFrame.data(id), server, client)
        #expect(!answer.contains { $0.type == 0x7 })
        #expect(client.goAwayCount == 0)
    }
}

/// Raw client frames (RFC 9113 §4.1 layout, see `frameHeaders(in:)`), for the frames a conforming client
/// never sends.
enum RawFrame {
    static func frame(type: UInt8, flags: UInt8, stream: Int32, payload: [UInt8]) -> ByteBuffer {
        var buffer = ByteBuffer()
        buffer.writeInteger(UInt8(payload.count >> 16))
        buffer.writeInteger(UInt16(payload.count & 0xffff))
        buffer.writeInteger(type)
        buffer.writeInteger(flags)
        buffer.writeInteger(UInt32(stream))
        buffer.writeBytes(payload)
        return buffer
    }

    /// DATA "test" with END_STREAM.
    static func data(_ stream: Int32) -> ByteBuffer {
        frame(type: 0x0, flags: 0x1, stream: stream, payload: Array("test".utf8))
    }

    /// A GET / request's HEADERS (END_HEADERS, and END_STREAM unless told otherwise). HPACK (RFC 7541
    /// appendix A): 0x82 `:method GET`, 0x87 `:scheme https`, 0x84 `:path /`, then `:authority` as a
    /// literal without indexing on static name 1 (0x01, length, bytes), so no dynamic table state.
    static func headers(_ stream: Int32, endStream: Bool = true) -> ByteBuffer {
        let authority = Array("example.test".utf8)
        let block: [UInt8] = [0x82, 0x87, 0x84, 0x01, UInt8(authority.count)] + authority
        return frame(type: 0x1, flags: 0x4 | (endStream ? 0x1 : 0), stream: stream, payload: block)
    }

    /// Trailers: one literal field `x-t: 1` (literal without indexing, new name: 0x00), END_STREAM.
    static func trailers(_ stream: Int32) -> ByteBuffer {
        let block: [UInt8] = [0x00, 3] + Array("x-t".utf8) + [1] + Array("1".utf8)
        return frame(type: 0x1, flags: 0x5, stream: stream, payload: block)
    }

    /// RST_STREAM(CANCEL).
    static func rstStream(_ stream: Int32) -> ByteBuffer {
        frame(type: 0x3, flags: 0, stream: stream, payload: [0, 0, 0, 8])
    }

    /// PRIORITY: exclusive bit + 31-bit dependency, then weight (RFC 9113 §6.3).
    static func priority(_ stream: Int32, dependsOn dependency: Int32) -> ByteBuffer {
        var payload: [UInt8] = []
        withUnsafeBytes(of: UInt32(dependency).bigEndian) { payload.append(contentsOf: $0) }
        payload.append(15)
        return frame(type: 0x2, flags: 0, stream: stream, payload: payload)
    }
}

func + (lhs: ByteBuffer, rhs: ByteBuffer) -> ByteBuffer {
    var joined = lhs
    var rhs = rhs
    joined.writeBuffer(&rhs)
    return joined
}
