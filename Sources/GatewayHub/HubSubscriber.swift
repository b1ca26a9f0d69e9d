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
}

extension HubSubscriber {
    public func channelClosed(_ channel: String) {}
}
