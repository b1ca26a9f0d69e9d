import GatewaySSE

/// Something that receives a channel's live events: in the server, one SSE stream.
///
/// Every call happens on the event loop the subscriber was registered on, in sequence order per channel,
/// so implementations need no locks.
public protocol HubSubscriber: AnyObject {
    /// A live event of `channel`. Only events after the subscriber's start position arrive here.
    func receive(_ event: EncodedEvent, channel: String)
}
