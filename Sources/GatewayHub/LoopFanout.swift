import NIOCore
import Synchronization

/// The subscribers of one channel that live on one event loop.
///
/// Subscribers are only touched on `loop`: it walks them without locking, and removal swaps the last
/// subscriber into the freed slot so both add and remove are O(1). Publishes arrive from any thread into
/// `pending` (the one lock here) and reach the loop as one task per batch, not per stream: when the loop
/// is busy, publishes that pile up meanwhile are delivered in one pass, so each stream queues them
/// together and nghttp2 sends them in one DATA frame and one resume.
final class LoopFanout: @unchecked Sendable {
    let loop: any EventLoop
    let channelName: String
    private var subscriptions: ContiguousArray<HubSubscription> = []

    private struct Pending: ~Copyable {
        var events: [EncodedEvent] = []
        var scheduled = false
    }

    private let pending = Mutex(Pending())

    init(loop: any EventLoop, channelName: String) {
        self.loop = loop
        self.channelName = channelName
    }

    var count: Int {
        loop.preconditionInEventLoop()
        return subscriptions.count
    }

    func add(_ subscription: HubSubscription) {
        loop.preconditionInEventLoop()
        subscription.slot = subscriptions.count
        subscriptions.append(subscription)
    }

    func remove(_ subscription: HubSubscription) {
        loop.preconditionInEventLoop()
        let slot = subscription.slot
        guard slot >= 0, slot < subscriptions.count, subscriptions[slot] === subscription else { return }
        let last = subscriptions.removeLast()
        if slot < subscriptions.count {
            subscriptions[slot] = last
            last.slot = slot
        }
        subscription.slot = -1
    }

    /// Tells each subscriber its channel closed; they cancel themselves, so walk a copy.
    func closeAll() {
        loop.preconditionInEventLoop()
        for subscription in Array(subscriptions) {
            subscription.subscriber?.channelClosed(channelName)
        }
    }

    /// Queues published events for the loop (any thread; the channel calls it under its lock, so the order
    /// is the channel's sequence order). Schedules one delivery task unless one is already waiting.
    func enqueue(_ events: [EncodedEvent]) {
        let schedule = pending.withLock { pending in
            pending.events.append(contentsOf: events)
            defer { pending.scheduled = true }
            return !pending.scheduled
        }
        if schedule {
            loop.execute { self.deliverPending() }
        }
    }

    private func deliverPending() {
        let events = pending.withLock { pending in
            defer {
                pending.events = []
                pending.scheduled = false
            }
            return pending.events
        }
        deliver(events)
    }

    /// Hands each event to every subscriber whose start position is before it.
    func deliver(_ events: [EncodedEvent]) {
        loop.preconditionInEventLoop()
        for event in events {
            // Index loop rather than iteration: a subscriber may cancel itself (slow consumer) mid-delivery,
            // which swaps another subscriber into its slot.
            var index = 0
            while index < subscriptions.count {
                let subscription = subscriptions[index]
                if event.cursor.sequence > subscription.startAfter, event.isFor(session: subscription.session) {
                    subscription.subscriber?.receive(event, channel: channelName)
                }
                if index < subscriptions.count, subscriptions[index] === subscription { index += 1 }
            }
        }
    }
}
