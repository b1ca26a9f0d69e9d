import NIOCore
import NIOHTTP1

/// Writes event-stream bytes of an HTTP/1.1 response as chunks, straight to the handler below NIO's HTTP
/// handlers (TLS, or the socket).
///
/// Why: NIO's `HTTPResponseEncoder` turns every body part into three writes (size line, data, CRLF), each
/// passing the four HTTP handlers on its way down, and an event stream sends one small body part per event
/// per connection, so that framing was a large share of the cost of a delivery. Here an event becomes one
/// buffer and one write. The bytes are exactly what the encoder would send (size in lowercase hex, CRLF,
/// data, CRLF); the head and the terminating chunk still go through the encoder, and the HTTP handlers
/// above it do nothing with body parts but pass them on.
struct HTTP1ChunkWriter {
    /// The encoder's context: a write or flush from it starts at the handler just below the encoder.
    private let transport: ChannelHandlerContext
    private let allocator: ByteBufferAllocator

    /// Events larger than this are written as three parts, as the encoder does, rather than copied.
    private static let copyLimit = 16_384

    /// Nil when the pipeline has no `HTTPResponseEncoder` (then body parts go through the HTTP handlers).
    init?(pipeline: ChannelPipeline.SynchronousOperations) {
        guard let transport = try? pipeline.context(handlerType: HTTPResponseEncoder.self) else { return nil }
        self.transport = transport
        self.allocator = transport.channel.allocator
    }

    /// Queues `bytes` as one chunk (not flushed). Empty input writes nothing: an empty chunk would end the body.
    func write(_ bytes: ByteBuffer) {
        let count = bytes.readableBytes
        guard count > 0 else { return }
        if count > Self.copyLimit {
            var sizeLine = allocator.buffer(capacity: 12)
            Self.writeSizeLine(count, into: &sizeLine)
            transport.write(NIOAny(sizeLine), promise: nil)
            transport.write(NIOAny(bytes), promise: nil)
            transport.write(NIOAny(Self.crlf), promise: nil)
            return
        }
        var chunk = allocator.buffer(capacity: count + 12)
        Self.writeSizeLine(count, into: &chunk)
        chunk.writeImmutableBuffer(bytes)
        chunk.writeStaticString("\r\n")
        transport.write(NIOAny(chunk), promise: nil)
    }

    /// Flushes below the HTTP handlers (none of them holds back writes).
    func flush() {
        transport.flush()
    }

    private static let crlf = ByteBuffer(staticString: "\r\n")

    /// `<size in lowercase hex>\r\n`, as RFC 9112 §7.1 and NIO's encoder write it.
    private static func writeSizeLine(_ count: Int, into buffer: inout ByteBuffer) {
        var shift = (Int.bitWidth - count.leadingZeroBitCount + 3) / 4 * 4
        repeat {
            shift -= 4
            let digit = UInt8((count >> shift) & 0xF)
            buffer.writeInteger(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
        } while shift > 0
        buffer.writeStaticString("\r\n")
    }
}
