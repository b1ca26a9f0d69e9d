import DequeModule
import NIOCore

/// The bytes waiting for nghttp2's data provider on one stream.
///
/// Chunks are references to ByteBuffers (usually one event's bytes shared by every subscriber); the only
/// copy is the one into nghttp2's frame buffer when the read callback pulls. `deferred` remembers that the
/// read callback returned NGHTTP2_ERR_DEFERRED, so the next `append`/`finish` must resume the stream.
///
/// A class so nghttp2's data provider can point at it (`nghttp2_data_source.ptr`): the read callback,
/// which runs once per stream per event, then needs no look-up in the session's stream table. The
/// stream table keeps it alive until nghttp2 closes the stream, after which nghttp2 no longer reads it.
final class HTTP2OutboundQueue {
    enum ReadResult: Equatable {
        /// Nothing to send yet; nghttp2 parks the stream until it is resumed.
        case deferred
        /// `count` bytes were copied; `endOfStream` asks nghttp2 to set END_STREAM on this DATA frame.
        case bytes(count: Int, endOfStream: Bool)
    }

    private var chunks: Deque<ByteBuffer> = []
    private(set) var byteCount = 0
    /// No more bytes will be appended; END_STREAM follows the last one.
    private(set) var finished = false
    /// Dropped by a reset: nothing is sent any more.
    private(set) var discarded = false
    private var deferred = false

    init() {}

    convenience init(completeBody: ByteBuffer) {
        self.init()
        if completeBody.readableBytes > 0 {
            self.chunks.append(completeBody)
            self.byteCount = completeBody.readableBytes
        }
        self.finished = true
    }

    var acceptsBytes: Bool { !self.finished && !self.discarded }

    /// Queues `bytes`. Returns true when the stream was parked and must be resumed.
    func append(_ bytes: ByteBuffer) -> Bool {
        guard bytes.readableBytes > 0 else {
            return false
        }
        self.chunks.append(bytes)
        self.byteCount += bytes.readableBytes
        return self.takeDeferred()
    }

    /// `append` when the queue still takes bytes: whether the stream must be resumed, and the bytes now
    /// queued; nil when finished or discarded.
    func appendIfAccepted(_ bytes: ByteBuffer) -> (resume: Bool, queued: Int)? {
        guard self.acceptsBytes else { return nil }
        let resume = self.append(bytes)
        return (resume, self.byteCount)
    }

    /// Marks the end of the body. Returns true when the stream was parked and must be resumed.
    func finish() -> Bool {
        self.finished = true
        return self.takeDeferred()
    }

    /// Drops everything queued (the stream is being reset).
    func discard() {
        self.chunks.removeAll()
        self.byteCount = 0
        self.discarded = true
    }

    /// Copies up to `destination.count` bytes, front chunk first.
    func read(into destination: UnsafeMutableRawBufferPointer) -> ReadResult {
        if self.discarded || (self.chunks.isEmpty && !self.finished) {
            self.deferred = true
            return .deferred
        }
        var copied = 0
        while copied < destination.count, !self.chunks.isEmpty {
            // Moved out, not copied: no reference-count traffic on the shared event bytes per frame.
            var front = self.chunks.removeFirst()
            let count = min(front.readableBytes, destination.count - copied)
            front.withUnsafeReadableBytes { source in
                let target = UnsafeMutableRawBufferPointer(rebasing: destination[copied..<(copied + count)])
                target.copyMemory(from: UnsafeRawBufferPointer(rebasing: source[0..<count]))
            }
            copied += count
            if count < front.readableBytes {
                front.moveReaderIndex(forwardBy: count)
                self.chunks.prepend(front)
            }
        }
        self.byteCount -= copied
        return .bytes(count: copied, endOfStream: self.finished && self.chunks.isEmpty)
    }

    private func takeDeferred() -> Bool {
        defer { self.deferred = false }
        return self.deferred
    }
}
