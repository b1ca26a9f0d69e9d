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
    /// Chunks after `head`, in order; allocated only while a stream is behind and dropped when it catches
    /// up, so the common read never loads a deque's storage (profiled: half of this class's misses).
    /// Nil whenever `head` is nil.
    private var rest: Deque<ByteBuffer>?
    private(set) var byteCount = 0
    /// No more bytes will be appended; END_STREAM follows the last one.
    private(set) var finished = false
    /// Dropped by a reset: nothing is sent any more.
    private(set) var discarded = false
    private(set) var provider: Provider
    /// What the connection keeps with this response (its response stream; `attach(_:to:)`). Last, after
    /// the one-byte fields: the object is then 72 bytes, still the 80-byte malloc block it was at 59, so
    /// the connection needs no table of its own for it (~30 bytes per stream).
    ///
    /// Not smaller on purpose: at 59 bytes (the byte count computed from the head and a backlog object)
    /// it moved into jemalloc's 64-byte class, which it shares with the short-lived allocations made
    /// while a stream opens, so the queues of streams opened together no longer lay together, and the
    /// fan-out, which touches every stream's queue per event, took 13% more CPU (BENCHMARKS.md, "Memory
    /// per multiplexed stream, again").
    var attachment: AnyObject?

    /// A streaming body. The response is submitted with a provider, so the first read (normally the
    /// stream's opening bytes, queued in the same loop task) rides right behind the HEADERS.
    init() {
        self.provider = .attached
    }

    /// A body known in full, read by the provider submitted with the response.
    init(completeBody: ByteBuffer) {
        if completeBody.readableBytes > 0 {
            self.head = completeBody
            self.byteCount = completeBody.readableBytes
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
        } else if self.rest == nil {
            self.rest = [bytes]
        } else {
            self.rest!.append(bytes)
        }
        self.byteCount += bytes.readableBytes
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
        self.rest = nil
        self.byteCount = 0
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
        let count = min(self.byteCount, limit)
        let drained = count == self.byteCount
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
            self.head = self.popRest()
            let count = min(front.readableBytes, limit - taken)
            front.withUnsafeReadableBytes { sink(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
            taken += count
            if count < front.readableBytes {
                front.moveReaderIndex(forwardBy: count)
                if let next = self.head {
                    if self.rest == nil { self.rest = [next] } else { self.rest!.prepend(next) }
                }
                self.head = front
            }
        }
        self.byteCount -= taken
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

    private func popRest() -> ByteBuffer? {
        guard self.rest != nil else { return nil }
        let next = self.rest!.popFirst()
        if self.rest!.isEmpty { self.rest = nil }
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
