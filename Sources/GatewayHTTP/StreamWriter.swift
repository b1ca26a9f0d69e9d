import NIOCore

/// The connection a stream writes through: an HTTP/2 stream of a multiplexed connection, or a whole
/// HTTP/1.1 connection. Implementations live on one event loop.
///
/// `@usableFromInline`, like the writer's fields: `StreamWriter.write` is inlined into the application's
/// stream (another module), which saves two calls per delivery on the fan-out path.
@usableFromInline
protocol StreamConnection: AnyObject {
    /// Queues bytes on the stream (not yet written to the socket); returns the bytes now queued on it that
    /// the peer has not taken yet (the budget is checked against this).
    func enqueue(_ bytes: ByteBuffer, slot: StreamSlot) -> Int
    /// Ends the stream at once because its client stopped reading (the budget is spent).
    func abortSlowStream(_ slot: StreamSlot)
    /// Ends the stream cleanly once what is queued has gone out.
    func finishStream(_ slot: StreamSlot)
    /// Asks for the queued bytes to be written; the loop batches these into one write per connection.
    func requestFlush()
    /// Bytes of the stream not yet taken by the client, counted exactly (a stall check; not per event).
    func unsentBytes(_ slot: StreamSlot) -> Int
    /// Ends the stream at once because none of its queue could be sent for the stall timeout.
    func endStalledStream(_ slot: StreamSlot)
    /// A write to the stream comes next: start loading its state into the cache (a hint; changes nothing).
    func prepareWrite(_ slot: StreamSlot)
}

/// Which stream of its connection a writer writes to: an HTTP/2 stream id, or 0 for HTTP/1.1. Only the
/// connection that made it reads it.
@usableFromInline
struct StreamSlot: Hashable {
    @usableFromInline let rawValue: Int32
}

/// A protocol-neutral handle on one open response stream, kept inline in the application's stream object.
///
/// It owns the budget rule: bytes queued on the connection but not taken by the client may not exceed the
/// outbound budget (plus what the stream was allowed for a replay); past it the stream is aborted at once
/// and the client resumes from history. Kept small: a million idle streams hold a million of these.
public struct StreamWriter {
    // `unowned(unsafe)`: read on every write, and safe `unowned` pays an atomic check each time. The
    // connection outlives its streams by construction: a handler ends all its streams when it leaves the
    // pipeline, and loop services live as long as the server.
    @usableFromInline unowned(unsafe) let connection: any StreamConnection
    @usableFromInline unowned(unsafe) let loop: LoopServices
    /// The outbound budget, raised by what replays allowed: replayed bytes are references to history (no
    /// new memory), and a client catching up must not be ended for the size of what it asked to catch up
    /// on. One word for both (the budget alone is the route's, and a second word here made every stream
    /// object 16 bytes larger with jemalloc's size classes).
    @usableFromInline var budget: Int
    /// Heartbeat-wheel tick of the last write, so an active stream sends no heartbeat.
    public var lastWriteTick: Int64 = 0
    /// Bytes accepted for sending so far.
    public var bytesWritten: Int { written }
    @usableFromInline var written = 0
    /// Last: a 4-byte field at the end leaves the struct 52 bytes long, and the stream object that holds
    /// the writer inline puts its flags in the other 4 (stored properties are laid out in declaration
    /// order, by size), where a 4-byte field in the middle would pad to 8.
    @usableFromInline let slot: StreamSlot

    /// The loop services the writer was made with, for the stream that holds it (so it need not keep its
    /// own reference).
    @inlinable public var loopServices: LoopServices { loop }

    init(connection: any StreamConnection, loop: LoopServices, slot: StreamSlot, outboundBudget: Int) {
        self.connection = connection
        self.loop = loop
        self.slot = slot
        self.budget = outboundBudget
    }

    /// Lets `bytes` more be queued before the budget ends the stream (a replay's size).
    public mutating func allowReplay(of bytes: Int) {
        budget += bytes
    }

    /// Queues `bytes` (and `more`) and asks for a flush. Returns false when the stream went over budget:
    /// it was aborted (what was just queued is dropped with the rest) and the caller ends itself; else the
    /// caller records the write with `wrote(_:)`.
    ///
    /// Not `mutating`: the connection may call back into the stream (an abort logs it), and that read
    /// must not overlap a modification of this writer (Swift's exclusivity rule).
    @inlinable
    public func write(_ bytes: ByteBuffer, _ more: ByteBuffer? = nil) -> Bool {
        var queued = connection.enqueue(bytes, slot: slot)
        if let more { queued = connection.enqueue(more, slot: slot) }
        if queued > budget {
            connection.abortSlowStream(slot)
            return false
        }
        connection.requestFlush()
        return true
    }

    /// A write comes next (the fan-out is one stream ahead): see `StreamConnection.prepareWrite`.
    @inlinable
    public func prepareWrite() {
        connection.prepareWrite(slot)
    }

    /// Counts `size` bytes written now (for the log, and so an active stream gets no heartbeat).
    @inlinable
    public mutating func wrote(_ size: Int) {
        written += size
        lastWriteTick = loop.heartbeats.tick
    }

    /// How far the client has taken the stream (bytes written minus bytes still queued), or nil when
    /// nothing is queued. Grows only while bytes leave the queue, so a mark that does not grow with bytes
    /// queued is a stall. (On HTTP/1.1 the queue counts chunk framing and TLS overhead too, so each write
    /// lowers it a little.) Read by stall checks on the heartbeat wheel, never per event.
    public func sentMark() -> Int? {
        let unsent = connection.unsentBytes(slot)
        return unsent > 0 ? written - unsent : nil
    }

    /// Ends the stream at once (RST_STREAM(CANCEL) on HTTP/2, a close on HTTP/1.1): it stalled.
    public func abortStalled() {
        connection.endStalledStream(slot)
    }

    /// Ends the stream cleanly once what is queued has gone out.
    public func finish() {
        connection.finishStream(slot)
        connection.requestFlush()
    }
}
