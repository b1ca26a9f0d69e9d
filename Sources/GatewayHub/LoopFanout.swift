import NIOCore

/// The subscribers of one channel that live on one event loop.
///
/// Only touched on `loop`: the channel hands it each publish in one task (one hop per loop, not per
/// stream), and it walks its subscribers without locking. Removal swaps the last subscriber into the
/// freed slot so both add and remove are O(1).
final class LoopFanout: @unchecked Sendable {
    let loop: any EventLoop
    let channelName: String
    private var subscriptions: ContiguousArray<HubSubscription> = []

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
