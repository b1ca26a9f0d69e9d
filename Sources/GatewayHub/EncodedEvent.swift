import GatewaySSE
import NIOCore

/// One published event as wire bytes, built once and shared read-only by every stream that sends it (and
/// by the channel's history, so a replay costs references, not copies).
///
/// Layout of `wire`:
///
///     id: <cursor>\n          ← `idLineLength` bytes, for streams of one channel
///     event: …\n retry: …\n data: …\n … \n   ← the body, shared by multi-channel streams that write their own id
public struct EncodedEvent: Sendable {
    /// The channel position this event occupies.
    public let cursor: EventCursor
    /// `id:` line followed by the body.
    public private(set) var wire: ByteBuffer
    /// Length of the leading `id:` line in `wire`.
    public let idLineLength: Int
    /// When it was published, for history TTL.
    public let publishedAt: NIODeadline
    /// Session ids this event is for; nil for everyone on the channel (unicast and "broadcast to some").
    public let targets: Set<String>?

    init(event: ServerSentEvent, cursor: EventCursor, publishedAt: NIODeadline, targets: Set<String>?) {
        var wire = ByteBuffer()
        wire.reserveCapacity(event.data.utf8.count + 48)
        EventStreamEncoder.writeField("id", cursor.description, into: &wire)
        let idLineLength = wire.readableBytes
        EventStreamEncoder.writeBody(event, into: &wire)
        self.cursor = cursor
        self.wire = wire
        self.idLineLength = idLineLength
        self.publishedAt = publishedAt
        self.targets = targets
    }

    /// Everything after the `id:` line (a slice of `wire`, no copy).
    /// The same event over a fresh copy of its bytes, for one event loop's streams (see
    /// `LoopFanout.deliverPending`).
    func withOwnBytes() -> EncodedEvent {
        var copy = self
        copy.wire = ByteBuffer(bytes: self.wire.readableBytesView)
        return copy
    }

    public var body: ByteBuffer {
        wire.getSlice(at: wire.readerIndex + idLineLength, length: wire.readableBytes - idLineLength)!
    }

    /// Bytes this event holds in memory, for history budgets.
    public var byteCount: Int { wire.readableBytes }

    /// Whether a stream of this session should get the event.
    public func isFor(session: String?) -> Bool {
        guard let targets else { return true }
        return session.map(targets.contains) ?? false
    }
}

// MARK: Events numbered by a shared engine

extension EncodedEvent {
    /// An event numbered and stored elsewhere (a shared engine's store), rebuilt from the body bytes it
    /// stored: every node writes the same `id:` line for the same cursor, so the wire bytes are identical
    /// on every node.
    public init(cursor: EventCursor, body: ByteBuffer, publishedAt: NIODeadline, targets: Set<String>?) {
        var wire = ByteBuffer()
        wire.reserveCapacity(body.readableBytes + 32)
        EventStreamEncoder.writeField("id", cursor.description, into: &wire)
        let idLineLength = wire.readableBytes
        wire.writeImmutableBuffer(body)
        self.cursor = cursor
        self.wire = wire
        self.idLineLength = idLineLength
        self.publishedAt = publishedAt
        self.targets = targets
    }

    /// The bytes a shared engine stores for an event: its body, without an `id:` line (ids are assigned by
    /// the store, and each node writes them).
    public static func storedBody(of event: ServerSentEvent) -> ByteBuffer {
        var body = ByteBuffer()
        body.reserveCapacity(event.data.utf8.count + 16)
        EventStreamEncoder.writeBody(event, into: &body)
        return body
    }
}
