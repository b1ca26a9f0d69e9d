import NIOCore

/// A subscriber's registration on one channel. Cancel it (on the subscriber's loop) when the stream ends.
/// `@unchecked Sendable`: `slot` is only touched on the subscriber's loop (`LoopFanout` and `cancel` check
/// it); the rest is immutable. It crosses threads only inside `SubscribeResult`.
///
/// Every open stream has one per channel, so it holds only what its removal needs (40 bytes, a 48-byte
/// malloc block): the subscriber itself is held by its fan-out slot, the channel's feed is the fan-out's,
/// and the session is the subscriber's (`HubSubscriber.session`), read only for targeted events.
public final class HubSubscription: @unchecked Sendable {
    /// Events with a sequence at or below this were already covered when the subscription was made
    /// (by replay, or by being live-only); the fan-out skips them so the hand-over has no duplicate.
    public let startAfter: UInt64
    /// Position in the fan-out array; -1 once removed.
    var slot = -1
    private let fanout: LoopFanout

    init(startAfter: UInt64, fanout: LoopFanout) {
        self.startAfter = startAfter
        self.fanout = fanout
    }

    /// The channel as a one-element list whose storage every subscriber of the channel shares.
    public var channelAsList: [String] { fanout.feed.nameAsList }

    /// Stops delivery, and lets go of the subscriber. Idempotent; must be called on the subscriber's event
    /// loop.
    public func cancel() {
        guard slot >= 0 else { return }
        fanout.remove(self)
        fanout.feed.subscriptionEnded(fanout)
    }
}
