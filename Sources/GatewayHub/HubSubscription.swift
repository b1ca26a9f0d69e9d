import NIOCore

/// A subscriber's registration on one channel. Cancel it (on the subscriber's loop) when the stream ends.
/// `@unchecked Sendable`: `slot` is only touched on the subscriber's loop (`LoopFanout` and `cancel` check
/// it); the rest is immutable. It crosses threads only inside `SubscribeResult`.
///
/// Every open stream has one per channel, so it holds only what its removal needs (56 bytes, a 64-byte
/// block): the subscriber itself is held by its fan-out slot, and the channel's feed is the fan-out's.
public final class HubSubscription: @unchecked Sendable {
    /// Events with a sequence at or below this were already covered when the subscription was made
    /// (by replay, or by being live-only); the fan-out skips them so the hand-over has no duplicate.
    public let startAfter: UInt64
    /// The subscriber's session, for events published to some sessions only.
    let session: String?
    /// Position in the fan-out array; -1 once removed.
    var slot = -1
    private let fanout: LoopFanout

    init(session: String?, startAfter: UInt64, fanout: LoopFanout) {
        self.session = session
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
