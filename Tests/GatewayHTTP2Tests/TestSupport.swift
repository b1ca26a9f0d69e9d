import CNGHTTP2
import NIOCore
@testable import GatewayHTTP2

/// A client the tests pump bytes to and from a server session: the raw nghttp2 test client, or our own
/// client session.
protocol PumpedClient {
    /// What the client has to send now; empty when nothing.
    func output() throws(HTTP2ConnectionError) -> ByteBuffer
    func input(_ bytes: ByteBuffer) throws(HTTP2ConnectionError)
}

extension InMemoryHTTP2Client: PumpedClient {
    func output() -> ByteBuffer { ByteBuffer(bytes: send()) }
    func input(_ bytes: ByteBuffer) { receive(bytes) }
}

extension HTTP2ClientSession: PumpedClient {
    func output() throws(HTTP2ConnectionError) -> ByteBuffer {
        var bytes = ByteBuffer()
        _ = try collectOutput(into: &bytes, maxBytes: 1 << 20)
        return bytes
    }

    func input(_ bytes: ByteBuffer) throws(HTTP2ConnectionError) { try receive(bytes) }
}

/// Moves bytes between client and server until neither has anything to send.
func pump(_ client: some PumpedClient, _ server: HTTP2ServerSession) throws(HTTP2ConnectionError) {
    for _ in 0..<10_000 {
        let fromClient = try client.output()
        if fromClient.readableBytes > 0 { try server.receive(fromClient) }
        var fromServer = ByteBuffer()
        let answered = try server.collectOutput(into: &fromServer, maxBytes: 1 << 20)
        if answered > 0 { try client.input(fromServer) }
        if fromClient.readableBytes == 0 && answered == 0 { return }
    }
}

/// Pumps until the server fails, then hands the client what the server still had to say (its GOAWAY).
func pumpExpectingFailure(_ client: InMemoryHTTP2Client, _ server: HTTP2ServerSession) -> HTTP2ConnectionError? {
    do {
        try pump(client, server)
        return nil
    } catch {
        var rest = ByteBuffer()
        _ = try? server.collectOutput(into: &rest, maxBytes: 1 << 20)
        client.receive(rest)
        return error
    }
}

/// One HTTP/2 frame header (RFC 9113 §4.1).
struct FrameHeader: Equatable {
    var length: Int
    var type: UInt8
    var flags: UInt8
    var streamID: Int32
}

/// Splits server output into frame headers:
///
///     +-----------------------------------------------+
///     |                 Length (24)                   |
///     +---------------+---------------+---------------+
///     |   Type (8)    |   Flags (8)   |
///     +-+-------------+---------------+-------------------------------+
///     |R|                 Stream Identifier (31)                      |
///     +=+=============================================================+
func frameHeaders(in buffer: ByteBuffer) -> [FrameHeader] {
    var buffer = buffer
    var result: [FrameHeader] = []
    while buffer.readableBytes >= 9,
        let high = buffer.readInteger(as: UInt8.self),
        let low = buffer.readInteger(as: UInt16.self),
        let type = buffer.readInteger(as: UInt8.self),
        let flags = buffer.readInteger(as: UInt8.self),
        let stream = buffer.readInteger(as: UInt32.self)
    {
        let length = Int(high) << 16 | Int(low)
        result.append(FrameHeader(length: length, type: type, flags: flags, streamID: Int32(stream & 0x7fff_ffff)))
        buffer.moveReaderIndex(forwardBy: min(length, buffer.readableBytes))
    }
    return result
}

extension HTTP2SessionEvent {
    var request: (HTTP2StreamID, HTTP2Request)? {
        if case .request(let id, let request) = self { return (id, request) }
        return nil
    }

    var closedStream: (HTTP2StreamID, UInt32)? {
        if case .streamClosed(let id, let code) = self { return (id, code) }
        return nil
    }
}

extension [HTTP2SessionEvent] {
    var requests: [(HTTP2StreamID, HTTP2Request)] { self.compactMap(\.request) }
    var closedStreams: [(HTTP2StreamID, UInt32)] { self.compactMap(\.closedStream) }
}

func bytes(_ string: String) -> ByteBuffer { ByteBuffer(string: string) }
