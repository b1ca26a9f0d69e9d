import GatewayHTTP2
import NIOCore

/// The HTTP/2 server session fed arbitrary bytes after a valid client preface (RFC 9113 §3.4), the way
/// the connection handler drives it: receive, act on the events (answer, stream, reset), collect output,
/// and after a connection error collect the last output once and stop. Crashes, sanitizer reports and
/// hangs are the findings; nghttp2's own verdicts (GOAWAY, thrown errors) are expected outcomes.
///
/// Input: byte 0's low 7 bits pick the read size (1...128 bytes per `receive`), its high bit turns
/// closed-stream retention off (the other nghttp2 mode); the rest follows the preface.
let preface: [UInt8] = Array("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".utf8) + [0, 0, 0, 0x4, 0, 0, 0, 0, 0]  // + empty SETTINGS
let retaining = HTTP2SessionSettings(maxConcurrentStreams: 16, maxRequestBodyBytes: 4096)
let freeing = HTTP2SessionSettings(maxConcurrentStreams: 16, maxRequestBodyBytes: 4096, retainsClosedStreams: false)

func fuzzHTTP2ServerSession(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let input = UnsafeBufferPointer(start: data, count: size)
    guard let session = try? HTTP2ServerSession(settings: input[0] & 0x80 == 0 ? retaining : freeing) else { return 0 }
    let readSize = Int(input[0] & 0x7f) + 1
    let bytes = preface + input.dropFirst()
    var output = ByteBuffer()
    var start = 0
    var responses = 0
    while start < bytes.count {
        let end = min(start + readSize, bytes.count)
        do {
            try session.receive(ByteBuffer(bytes: bytes[start..<end]))
        } catch {
            _ = try? session.collectOutput(into: &output, maxBytes: 1 << 16)
            return 0
        }
        start = end
        for event in session.takeEvents() {
            guard case .request(let stream, _) = event else { continue }
            responses += 1
            switch responses % 4 {
            case 0:
                session.respond(to: stream, status: 200, headers: [("content-type", "text/plain")], body: .bytes(ByteBuffer(string: "ok")))
            case 1:
                session.respond(to: stream, status: 200, headers: [("content-type", "text/event-stream")], body: .streaming)
                _ = session.enqueue(ByteBuffer(repeating: 0x61, count: 70_000), on: stream)
            case 2:
                session.respond(to: stream, status: 200, headers: [], body: .streaming)
                _ = session.enqueue(ByteBuffer(string: "data: x\n\n"), on: stream)
                session.finishStream(stream)
            default:
                session.resetStream(stream, errorCode: 0x8)
            }
        }
        output.clear()
        do {
            _ = try session.collectOutput(into: &output, maxBytes: 1 << 16)
        } catch {
            return 0
        }
        _ = session.releaseFrameBufferIfQuiet()
        if !session.wantsRead && !session.wantsWrite { return 0 }
    }
    session.beginGracefulShutdown()
    session.goAway(errorCode: 0)
    output.clear()
    _ = try? session.collectOutput(into: &output, maxBytes: 1 << 20)
    return 0
}
