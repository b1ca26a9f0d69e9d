import NIOCore
import Synchronization

/// This node's subscribers of one channel, grouped by event loop: the place an engine hands the channel's
/// new events to, whatever numbered and stored them.
///
/// Maintainer note: this is the node-local half of a channel. An engine (memory, or one shared by several
/// nodes) owns ids and history and calls `deliver` in sequence order; the feed owns nothing but the
/// subscribers, so every engine shares one fan-out (`LoopFanout`) and one hand-over rule: a subscriber
/// registered with `startAfter: n` gets, live, exactly the events above `n` that are delivered after it
/// registered. An engine makes the hand-over exact by registering at the position its replay ends at.
public final class ChannelFeed: Sendable {
    public let name: String
    /// `[name]`, made once: a single-channel stream keeps this as its channel list, so a million streams of
    /// one channel share one array and one string instead of each holding the copy its request made.
    public let nameAsList: [String]

    private struct State: ~Copyable {
        var fanouts: [ObjectIdentifier: LoopFanout] = [:]
        var subscriberCount = 0
    }

    private let state = Mutex(State())
    /// Where each loop's fan-out counts its batches; nil for a feed nobody measures.
    private let statistics: HubStatistics?

    public init(name: String, statistics: HubStatistics? = nil) {
        self.name = name
        self.nameAsList = [name]
        self.statistics = statistics
    }

    /// Hands published events (in sequence order) to every loop with subscribers; returns how many streams
    /// the channel has on this node. Events published to some sessions reach only theirs: `reach(sessions:on:)`
    /// counts those.
    ///
    /// Engines call this in sequence order (under their own ordering lock), so every loop's queue is in
    /// sequence order too.
    @discardableResult
    public func deliver(_ events: [EncodedEvent]) -> Int {
        state.withLock { state in
            for fanout in state.fanouts.values {
                fanout.enqueue(events)
            }
            return state.subscriberCount
        }
    }

    /// Registers a subscriber on `loop` (the calling loop) for the live events above `startAfter`.
    ///
    /// We are on `loop`: deliveries the engine dispatches after this returns run after the current task,
    /// so the subscriber is in place before any event above `startAfter` reaches its fan-out.
    public func register(_ subscriber: any HubSubscriber, on loop: any EventLoop, startAfter: UInt64) -> HubSubscription {
        loop.preconditionInEventLoop()
        let fanout: LoopFanout = state.withLock { state in
            let key = ObjectIdentifier(loop)
            let fanout = state.fanouts[key] ?? LoopFanout(loop: loop, feed: self, statistics: statistics)
            state.fanouts[key] = fanout
            state.subscriberCount += 1
            return fanout
        }
        let subscription = HubSubscription(fanout: fanout)
        fanout.add(subscription, subscriber: subscriber, startAfter: startAfter)
        return subscription
    }

    /// Called on the fan-out's loop after a removal; forgets the fan-out when it has no subscribers left.
    func subscriptionEnded(_ fanout: LoopFanout) {
        let empty = fanout.count == 0
        state.withLock { state in
            state.subscriberCount -= 1
            if empty, state.fanouts[ObjectIdentifier(fanout.loop)] === fanout {
                state.fanouts[ObjectIdentifier(fanout.loop)] = nil
            }
        }
    }

    /// Tells every subscriber the channel closed. Engines call it in sequence order with `deliver`, so each
    /// loop sees the close after the events delivered before it.
    public func close() {
        state.withLock { state in
            for fanout in state.fanouts.values {
                fanout.loop.execute { fanout.closeAll() }
            }
        }
    }

    /// How many streams of this node belong to one of `sessions`, answered on `loop`.
    ///
    /// Counted where the streams live: each loop with subscribers walks its own, in a task queued after
    /// whatever that loop was already handed, so right after `deliver` the count is of the streams that
    /// got the events (a loop whose first subscriber arrives later joined after them). The feed keeps no
    /// index of sessions for this: that was a dictionary entry per stream (~40 bytes each) for every
    /// channel, to answer publishes that only some deployments make. A publish to sessions walks each
    /// loop's subscribers to deliver anyway; the count is a second walk of the same array.
    public func reach(sessions: Set<String>, on loop: any EventLoop) -> EventLoopFuture<Int> {
        let fanouts = state.withLock { Array($0.fanouts.values) }
        guard !fanouts.isEmpty else { return loop.makeSucceededFuture(0) }
        let counts = fanouts.map { fanout in fanout.loop.submit { fanout.count(sessions: sessions) } }
        return EventLoopFuture.reduce(0, counts, on: loop, +)
    }

    /// Streams of this node subscribed to the channel.
    public var subscriberCount: Int { state.withLock { $0.subscriberCount } }
}
