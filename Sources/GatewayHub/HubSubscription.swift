import NIOCore

/// A subscriber's registration on one channel. Cancel it (on the subscriber's loop) when the stream ends.
/// `@unchecked Sendable`: `slot` and `subscriber` are only touched on the subscriber's loop (`LoopFanout`
/// and `cancel` check it); the rest is immutable. It crosses threads only inside `SubscribeResult`.
public final class HubSubscription: @unchecked Sendable {
    /// Events with a sequence at or below this were already covered when the subscription was made
    /// (by replay, or by being live-only); the fan-out skips them so the hand-over has no duplicate.
    public let startAfter: UInt64
    /// The subscriber's session, for events published to some sessions only.
    let session: String?
    /// Held strongly: a weak reference would give every stream a side table and put all its retains and
    /// releases on the slow path (seen at ~10% of fan-out CPU). The cycle with the subscriber is broken by
    /// `cancel()`, which every stream calls when it ends.
    private(set) var subscriber: (any HubSubscriber)?
    /// Position in the fan-out array; -1 once removed.
    var slot = -1
    private let fanout: LoopFanout
    private let feed: ChannelFeed

    init(subscriber: any HubSubscriber, session: String?, startAfter: UInt64, fanout: LoopFanout, feed: ChannelFeed) {
        self.subscriber = subscriber
        self.session = session
        self.startAfter = startAfter
        self.fanout = fanout
        self.feed = feed
    }

    /// The channel as a one-element list whose storage every subscriber of the channel shares.
    public var channelAsList: [String] { feed.nameAsList }

    /// Stops delivery. Idempotent; must be called on the subscriber's event loop.
    public func cancel() {
        guard slot >= 0 else { return }
        fanout.remove(self)
        subscriber = nil
        feed.subscriptionEnded(fanout, session: session)
    }
}
