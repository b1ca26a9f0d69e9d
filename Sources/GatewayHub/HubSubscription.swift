import NIOCore

/// A subscriber's registration on one channel. Cancel it (on the subscriber's loop) when the stream ends.
/// `@unchecked Sendable`: `slot` is only touched on the subscriber's loop (`LoopFanout` and `cancel` check
/// it); the rest is immutable. It crosses threads only inside `SubscribeResult`.
///
/// Every open stream has one per channel, so it holds only what its removal needs (32 bytes, a 32-byte
/// malloc block): the subscriber itself and its start position are held by its fan-out slot, the channel's
/// feed is the fan-out's, and the session is the subscriber's (`HubSubscriber.session`), read only for
/// targeted events.
public final class HubSubscription: @unchecked Sendable {
    /// Position in the fan-out array; -1 once removed.
    var slot = -1
    private let fanout: LoopFanout

    init(fanout: LoopFanout) {
        self.fanout = fanout
    }

    /// Events with a sequence at or below this were already covered when the subscription was made
    /// (by replay, or by being live-only); the fan-out skips them so the hand-over has no duplicate. Kept
    /// in the fan-out's slot, which the delivery walk reads anyway (a stored copy here made this object a
    /// 48-byte block: 16 bytes more for every open stream). Nil once cancelled; read it on the subscriber's
    /// loop.
    public var startAfter: UInt64? { fanout.startAfter(of: self) }

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
