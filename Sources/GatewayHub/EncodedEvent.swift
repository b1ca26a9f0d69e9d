import GatewaySSE
import NIOCore

/// One published event as wire bytes, built once and shared read-only by every stream that sends it.
///
/// Layout of `wire`:
///
///     id: <cursor>\n          ← `idLineLength` bytes, for streams of one channel
///     event: …\n retry: …\n data: …\n … \n   ← the body, shared by streams that write their own id line
public struct EncodedEvent: Sendable {
    /// The channel position this event occupies.
    public let cursor: EventCursor
    /// `id:` line followed by the body.
    public let wire: ByteBuffer
    /// Length of the leading `id:` line in `wire`.
    public let idLineLength: Int
    /// When it was published, for history TTL.
    public let publishedAt: NIODeadline

    init(event: ServerSentEvent, cursor: EventCursor, publishedAt: NIODeadline) {
        var wire = ByteBuffer()
        wire.reserveCapacity(event.data.utf8.count + 48)
        EventStreamEncoder.writeField("id", cursor.description, into: &wire)
        let idLineLength = wire.readableBytes
        EventStreamEncoder.writeBody(event, into: &wire)
        self.cursor = cursor
        self.wire = wire
        self.idLineLength = idLineLength
        self.publishedAt = publishedAt
    }

    /// Everything after the `id:` line (a slice of `wire`, no copy).
    public var body: ByteBuffer {
        wire.getSlice(at: wire.readerIndex + idLineLength, length: wire.readableBytes - idLineLength)!
    }

    /// Bytes this event holds in memory, for history budgets.
    public var byteCount: Int { wire.readableBytes }
}
