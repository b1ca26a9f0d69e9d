import NIOCore

/// Frames event-stream bytes of an HTTP/1.1 response as chunks, collects them until the connection's
/// flush, and writes them from `HTTP1Wire`, below NIO's HTTP handlers, straight to TLS (or the socket).
///
/// Why: NIO's `HTTPResponseEncoder` turns every body part into three writes (size line, data, CRLF), each
/// passing the four HTTP handlers on its way down, and an event stream sends one small body part per event
/// per connection, so that framing was a large share of the cost of a delivery. Here the events of one
/// batch become one buffer and one write, made at flush time: a fan-out touches a thousand connections
/// between a connection's enqueue and its flush, so doing all the pipeline work in the flush touches each
/// connection's handlers once, while they are in cache. The bytes are exactly what the encoder would send
/// (size in lowercase hex, CRLF, data, CRLF). The head goes through the encoder; the last chunk too when
/// the codec is still in place (after `writePending()`), otherwise `writeLastChunk` writes it.
///
/// A batch of one event (the usual case: one event per flush per connection) is not framed when it is
/// queued but when it is sent, into the loop's `HTTP1ChunkScratch`, so a delivery allocates no buffer.
///
/// An HTTP/1.0 request gets its stream unframed: HTTP/1.0 has no chunked coding, so that body ends when the
/// connection closes (`startBody(chunked: false)`).
struct HTTP1ChunkWriter {
    /// `HTTP1Wire`'s context: a write or flush from it starts at the handler just below the wire.
    private let transport: ChannelHandlerContext
    private let allocator: ByteBufferAllocator
    /// The loop's buffer that a lone event is framed into when it is sent.
    private let scratch: HTTP1ChunkScratch
    /// The one event queued since the last write, unframed (a reference to the event's bytes). Never set
    /// together with `pending`: a second event frames both into `pending`, in order.
    private var held: ByteBuffer?
    /// Framed chunks not yet written (nil when there are none, so an idle stream holds no buffer).
    private var pending: ByteBuffer?
    /// False for an HTTP/1.0 body: bytes go out as they are, and the body ends with the connection.
    private(set) var framesChunks = true

    /// Events larger than this are written as three parts, as the encoder does, rather than copied.
    private static let copyLimit = 16_384

    /// Nil when the pipeline has no `HTTP1Wire` (then body parts go through the HTTP handlers).
    init?(pipeline: ChannelPipeline.SynchronousOperations, scratch: HTTP1ChunkScratch) {
        guard let transport = try? pipeline.context(handlerType: HTTP1Wire.self) else { return nil }
        self.transport = transport
        self.allocator = transport.channel.allocator
        self.scratch = scratch
    }

    /// Bytes queued and not yet written, counted as framed.
    var pendingBytes: Int {
        (pending?.readableBytes ?? 0) + (held.map { framesChunks ? Self.framedSize($0.readableBytes) : $0.readableBytes } ?? 0)
    }

    /// Sets how the next response body is written: as chunks (HTTP/1.1), or as it is (HTTP/1.0).
    mutating func startBody(chunked: Bool) {
        framesChunks = chunked
    }

    /// Queues `bytes` as one chunk. Empty input adds nothing: an empty chunk would end the body.
    mutating func append(_ bytes: ByteBuffer) {
        let count = bytes.readableBytes
        guard count > 0 else { return }
        if count > Self.copyLimit {
            writePending()
            guard framesChunks else {
                transport.write(NIOAny(bytes), promise: nil)
                return
            }
            var sizeLine = allocator.buffer(capacity: 12)
            Self.writeSizeLine(count, into: &sizeLine)
            transport.write(NIOAny(sizeLine), promise: nil)
            transport.write(NIOAny(bytes), promise: nil)
            transport.write(NIOAny(Self.crlf), promise: nil)
            return
        }
        if pending == nil {
            guard let earlier = held else {
                held = bytes
                return
            }
            held = nil
            pending = allocator.buffer(capacity: Self.framedSize(earlier.readableBytes) + Self.framedSize(count))
            add(earlier, to: &pending!)
        }
        add(bytes, to: &pending!)
    }

    private func add(_ bytes: ByteBuffer, to buffer: inout ByteBuffer) {
        if framesChunks {
            Self.frame(bytes, into: &buffer)
        } else {
            buffer.writeImmutableBuffer(bytes)
        }
    }

    /// Hands the queued chunks on (not flushed). Call before writing anything else on the connection.
    mutating func writePending() {
        guard let chunks = takePending() else { return }
        transport.write(NIOAny(chunks), promise: nil)
    }

    /// Writes the queued chunks and flushes below the HTTP handlers (none of them holds back writes, so
    /// this also sends what was written through them).
    mutating func flush() {
        send(takePending())
    }

    /// The queued chunks, taken for `send` (nil when there are none). A lone event is framed into the
    /// loop's scratch buffer: the copy returned shares its storage, and whoever still holds it when the
    /// scratch is next used (a write the socket did not take at once) keeps those bytes (copy-on-write).
    mutating func takePending() -> ByteBuffer? {
        if let event = held {
            held = nil
            return framesChunks ? scratch.frame(event) : event
        }
        defer { pending = nil }
        return pending
    }

    /// Writes `chunks` (from `takePending`) and flushes below the HTTP handlers. Not mutating: a flush can
    /// fail and close the channel at once, and the connection's teardown then changes the writer it keeps,
    /// so the connection calls this on a copy, outside any access to its own.
    func send(_ chunks: ByteBuffer?) {
        if let chunks {
            transport.writeAndFlush(NIOAny(chunks), promise: nil)  // one pass down the pipeline, not two
        } else {
            transport.flush()
        }
    }

    /// Writes what is queued, then the body's last chunk, as NIO's encoder writes it for `.end(nil)`
    /// (no trailers); not flushed. For when the encoder is out of the pipeline. An HTTP/1.0 body has no last
    /// chunk: an empty write carries the promise, as the encoder does for a body that is not chunked.
    mutating func writeLastChunk(promise: EventLoopPromise<Void>?) {
        writePending()
        transport.write(NIOAny(framesChunks ? Self.lastChunk : ByteBuffer()), promise: promise)
    }

    private static let lastChunk = ByteBuffer(staticString: "0\r\n\r\n")

    /// Drops what is queued (the connection is going away).
    mutating func discard() {
        held = nil
        pending = nil
    }

    private static let crlf = ByteBuffer(staticString: "\r\n")

    /// `bytes` as one chunk: size line, data, CRLF.
    static func frame(_ bytes: ByteBuffer, into buffer: inout ByteBuffer) {
        writeSizeLine(bytes.readableBytes, into: &buffer)
        buffer.writeImmutableBuffer(bytes)
        buffer.writeStaticString("\r\n")
    }

    /// Bytes of a chunk of `count` bytes of data: hex digits, two CRLFs.
    static func framedSize(_ count: Int) -> Int {
        count + (Int.bitWidth - count.leadingZeroBitCount + 3) / 4 + 4
    }

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
