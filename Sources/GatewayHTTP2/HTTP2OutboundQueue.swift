import DequeModule
import NIOCore

/// The bytes waiting for nghttp2 on one response body, and whether nghttp2 currently holds a DATA item
/// that will read them.
///
/// Chunks are references to ByteBuffers (usually one event's bytes shared by every subscriber); the only
/// copy is the one into nghttp2's frame buffer when the read callback pulls (`read`), or, for frames of
/// 4 KiB or more, the one into the connection's output when nghttp2 sends the frame (`claim`, then
/// `write(_:into:)`; HTTP2ServerSession+NoCopyData.swift).
///
/// A streaming body does not keep a data provider attached while it is idle. The read callback that
/// empties the queue ends the provider without ending the stream (`EOF | NO_END_STREAM`), and the next
/// `append` submits a fresh one. The alternative, a provider that stays attached and defers when empty,
/// costs per event and stream one more read callback (only to say "nothing") and two more operations on
/// nghttp2's stream priority queue (each a cache miss per heap level), about a tenth of the fan-out CPU
/// at 100 streams per connection; and it keeps an outbound item allocated for every idle stream.
///
/// A class so the provider can point at it (`nghttp2_data_source.ptr`): the read callback, which runs once
/// per stream per event, then needs no look-up in the session's stream table. The stream table keeps it
/// alive until nghttp2 closes the stream, after which nghttp2 no longer reads it.
final class HTTP2OutboundQueue {
    /// What nghttp2 holds for this body.
    enum Provider: Equatable {
        /// No DATA item: the next bytes (or the end) need `nghttp2_submit_data`.
        case detached
        /// An item that nghttp2 will read when the stream's turn and window come.
        case attached
        /// An item whose read found nothing and returned NGHTTP2_ERR_DEFERRED: it needs a resume.
        case parked
    }

    /// What the session must do after `append` or `finish` so nghttp2 reads the queue.
    enum Wake: Equatable {
        case none
        case submitData
        case resumeData
    }

    enum ReadResult: Equatable {
        /// Nothing to send; nghttp2 parks the item until it is resumed.
        case deferred
        /// `count` bytes were copied. `endOfStream` sets END_STREAM; otherwise `endOfProvider` ends this
        /// DATA item only (the queue is empty for now).
        case bytes(count: Int, endOfStream: Bool, endOfProvider: Bool)
    }

    /// The oldest chunk, stored inline: a stream keeping up has one event queued at a time, so the common
    /// append and read touch this object only, not a deque's separate storage (one cache miss less each,
    /// per stream per event, and no deque storage kept per idle stream).
    private var head: ByteBuffer?
    /// Chunks after `head`, in order, with their byte count; made only while a stream is behind and dropped
    /// when it catches up, so the common read never loads it. Nil whenever `head` is nil.
    private var backlog: Backlog?
    /// No more bytes will be appended; END_STREAM follows the last one.
    private(set) var finished = false
    /// Dropped by a reset: nothing is sent any more.
    private(set) var discarded = false
    private(set) var provider: Provider
    /// What the connection keeps with this response (its response stream; `attach(_:to:)`). Last, after
    /// the one-byte fields: the object is then 59 bytes, a 64-byte block with jemalloc (a stored byte count
    /// made it 72, an 80-byte block: 16 bytes more for every open stream), and the connection needs no
    /// table of its own for it (~30 bytes per stream).
    var attachment: AnyObject?

    /// Bytes queued and not yet taken by nghttp2: the head's, computed, plus the backlog's, counted there.
    var byteCount: Int { (self.head?.readableBytes ?? 0) + (self.backlog?.byteCount ?? 0) }

    /// The chunks of a stream that fell behind, after the head.
    private final class Backlog {
        var chunks: Deque<ByteBuffer>
        var byteCount: Int

        init(_ first: ByteBuffer) {
            self.chunks = [first]
            self.byteCount = first.readableBytes
        }
    }

    /// A streaming body. The response is submitted with a provider, so the first read (normally the
    /// stream's opening bytes, queued in the same loop task) rides right behind the HEADERS.
    init() {
        self.provider = .attached
    }

    /// A body known in full, read by the provider submitted with the response.
    init(completeBody: ByteBuffer) {
        if completeBody.readableBytes > 0 {
            self.head = completeBody
        }
        self.finished = true
        self.provider = .attached
    }

    var acceptsBytes: Bool { !self.finished && !self.discarded }

    /// Queues `bytes` and says how to get nghttp2 reading them.
    func append(_ bytes: ByteBuffer) -> Wake {
        guard bytes.readableBytes > 0 else {
            return .none
        }
        if self.head == nil {
            self.head = bytes
        } else if let backlog = self.backlog {
            backlog.chunks.append(bytes)
            backlog.byteCount += bytes.readableBytes
        } else {
            self.backlog = Backlog(bytes)
        }
        return self.wake()
    }

    /// `append` when the queue still takes bytes: how to wake nghttp2, and the bytes now queued; nil when
    /// finished or discarded.
    func appendIfAccepted(_ bytes: ByteBuffer) -> (wake: Wake, queued: Int)? {
        guard self.acceptsBytes else { return nil }
        let wake = self.append(bytes)
        return (wake, self.byteCount)
    }

    /// Marks the end of the body; END_STREAM goes out after the last queued byte.
    func finish() -> Wake {
        self.finished = true
        return self.wake()
    }

    /// Drops everything queued (the stream is being reset).
    func discard() {
        self.head = nil
        self.backlog = nil
        self.discarded = true
    }

    /// The session could not submit a provider (the stream is closing in nghttp2): nothing will read the
    /// queue again, so stop accepting bytes for it.
    func submitFailed() {
        self.discard()
        self.provider = .detached
    }

    /// Copies up to `destination.count` bytes, front chunk first.
    func read(into destination: UnsafeMutableRawBufferPointer) -> ReadResult {
        if self.discarded || (self.head == nil && !self.finished) {
            self.provider = .parked
            return .deferred
        }
        var copied = 0
        self.take(upTo: destination.count) { source in
            let target = UnsafeMutableRawBufferPointer(rebasing: destination[copied..<(copied + source.count)])
            target.copyMemory(from: source)
            copied += source.count
        }
        return self.afterTaking(copied)
    }

    /// `read` without the copy, for a DATA frame sent with NGHTTP2_DATA_FLAG_NO_COPY: the bytes the frame
    /// will carry (at most `limit`) and the same end flags and provider state as `read`. The bytes stay
    /// queued until nghttp2 sends the frame and `write(_:into:)` moves them; nothing runs in between
    /// (both happen inside one `nghttp2_session_mem_send`).
    func claim(upTo limit: Int) -> ReadResult {
        if self.discarded || (self.head == nil && !self.finished) {
            self.provider = .parked
            return .deferred
        }
        let queued = self.byteCount
        let count = min(queued, limit)
        let drained = count == queued
        if drained {
            self.provider = .detached
        }
        return .bytes(count: count, endOfStream: drained && self.finished, endOfProvider: drained)
    }

    /// Appends the `count` bytes claimed for a frame to `buffer` (the connection's output), front chunk first.
    func write(_ count: Int, into buffer: inout ByteBuffer) {
        self.take(upTo: count) { buffer.writeBytes($0) }
    }

    /// Hands up to `limit` bytes to `sink`, front chunk first, and drops what it took from the queue.
    private func take(upTo limit: Int, _ sink: (UnsafeRawBufferPointer) -> Void) {
        var taken = 0
        while taken < limit, var front = self.head {
            // Moved out, not copied: no reference-count traffic on the shared event bytes per frame.
            self.head = nil
            let count = min(front.readableBytes, limit - taken)
            front.withUnsafeReadableBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            taken += count
            if count < front.readableBytes {
                front.moveReaderIndex(forwardBy: count)
                self.head = front
            } else {
                self.head = self.popBacklog()
            }
        }
    }

    /// The result of a `read` that took `count` bytes: END_STREAM or the provider's end once the queue is empty.
    private func afterTaking(_ count: Int) -> ReadResult {
        let drained = self.head == nil
        if drained {
            // nghttp2 detaches the item once this frame is out; `append`/`finish` submit the next one.
            self.provider = .detached
        }
        return .bytes(count: count, endOfStream: drained && self.finished, endOfProvider: drained)
    }

    /// The backlog's front chunk, which becomes the head; the backlog goes once it is empty.
    private func popBacklog() -> ByteBuffer? {
        guard let backlog = self.backlog, let next = backlog.chunks.popFirst() else { return nil }
        backlog.byteCount -= next.readableBytes
        if backlog.chunks.isEmpty { self.backlog = nil }
        return next
    }

    private func wake() -> Wake {
        switch self.provider {
        case .attached:
            return .none
        case .parked:
            self.provider = .attached
            return .resumeData
        case .detached:
            self.provider = .attached
            return .submitData
        }
    }
}
