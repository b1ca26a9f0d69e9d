import GatewaySSE

/// Where a new subscription starts in its channel.
public enum StartPosition: Sendable, Hashable {
    /// From the next event published (no id given, no replay configured).
    case live
    /// Everything still in history (`Last-Event-ID: earliest`).
    case earliest
    /// The last `n` events in history, then live (a route's "replay the last N on first connect").
    case last(Int)
    /// Right after this cursor (`Last-Event-ID` of a reconnecting client).
    case after(EventCursor)
    /// The client sent an id this stream could not have sent; it learns so through a gap, then gets live.
    case malformed
}

/// What the client missed and cannot get back: sent in-band as a `stream-gap` event, never silent.
public struct HistoryGap: Sendable, Hashable {
    public enum Reason: String, Sendable, Hashable {
        /// History no longer holds events the client had not seen (count, bytes, TTL or budget eviction).
        case evicted
        /// The id is from another life of the channel (a restart of an in-memory gateway, or the channel
        /// was dropped when idle and made again): what happened in between is unknown.
        case epochChanged = "epoch_changed"
        /// The id is ahead of anything this channel has published.
        case unknownPosition = "unknown_position"
        /// The id is not one this stream could have sent.
        case malformed
    }

    public var channel: String
    public var reason: Reason
    /// The first and last positions missed, when known (evictions).
    public var missed: ClosedRange<EventCursor>?

    public init(channel: String, reason: Reason, missed: ClosedRange<EventCursor>? = nil) {
        self.channel = channel
        self.reason = reason
        self.missed = missed
    }
}

/// A subscription made, with what to send before the live events.
public struct SubscribeResult: Sendable {
    public let subscription: HubSubscription
    /// History to send first, oldest first (already filtered for the subscriber's session).
    public let replay: [EncodedEvent]
    /// Set when the start position could not be honoured exactly.
    public let gap: HistoryGap?
    /// The stream's position in this channel before the replay: the id to report with a gap, and the
    /// position a stream with nothing to replay stands at.
    public let position: EventCursor

    public init(subscription: HubSubscription, replay: [EncodedEvent], gap: HistoryGap?, position: EventCursor) {
        self.subscription = subscription
        self.replay = replay
        self.gap = gap
        self.position = position
    }
}
