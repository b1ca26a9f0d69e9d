import GatewaySSE

/// Something that receives a channel's live events: in the server, one SSE stream.
///
/// Every call happens on the event loop the subscriber was registered on, in sequence order per channel,
/// so implementations need no locks.
public protocol HubSubscriber: AnyObject {
    /// A live event of `channel`. Only events after the subscriber's start position arrive here.
    func receive(_ event: EncodedEvent, channel: String)
    /// The channel was closed (e.g. its upstream gave a final answer): end the stream. Comes after every
    /// event published before the close.
    func channelClosed(_ channel: String)
    /// The subscriber's session, for events published to some sessions only (`PublishOptions.targets`):
    /// those reach it, live and on replay, only when this is one of them. Read on the subscriber's loop,
    /// when such an event is delivered or counted; nil takes broadcasts only. No default: a subscriber that
    /// forgot it would silently miss every event published to its session.
    var session: String? { get }
    /// The fan-out will call `receive` on this subscriber next (one subscriber ahead): start loading what
    /// that will touch into the cache. A hint only: it changes nothing, and may be followed by no `receive`
    /// at all (the stream ended meanwhile, or the event is not for it).
    func prepareForDelivery()
}

extension HubSubscriber {
    public func channelClosed(_ channel: String) {}
    public func prepareForDelivery() {}
}
