import GatewayHub
import GatewaySSE

/// What only some streams need, kept out of line so the common stream does not carry it: a
/// single-channel hub stream that has joined never allocates one. A million idle streams are a million
/// `ChannelStream`s, and these fields were 40 of the bytes each one carried inline.
final class StreamSideState {
    /// Multi-channel streams: each of their events gets an id naming every channel's position.
    var position: StreamPosition?
    /// Live events that arrived while an engine was still answering the subscribes (engines behind a
    /// network answer later); written after the replay, so the order stays replay-then-live.
    var heldLive: [(event: EncodedEvent, channel: String)] = []
    /// Per-client upstream mode: the source feeding the stream instead of a hub channel.
    var upstreamFeed: UpstreamClientFeed?
    /// `stream-gap` events sent (access log, admin API).
    var gapsReported = 0
}
