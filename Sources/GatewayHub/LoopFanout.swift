internal import CGatewayPrefetch
import NIOCore
import Synchronization

/// The subscribers of one channel that live on one event loop.
///
/// Subscribers are only touched on `loop`: it walks them without locking, and removal swaps the last
/// subscriber into the freed slot so both add and remove are O(1). During a delivery walk a removal only
/// marks its slot (see `departed`), and the walk's end takes the marked ones out. Publishes arrive from any thread into
/// `pending` (the one lock here) and reach the loop as one task per batch, not per stream: when the loop
/// is busy, publishes that pile up meanwhile are delivered in one pass, so each stream queues them
/// together and nghttp2 sends them in one DATA frame and one resume.
///
/// `@unchecked Sendable`: `members` is only touched on `loop` (each method checks it), `pending` is behind
/// its lock, and the rest is immutable; feeds on other threads only call `enqueue`.
final class LoopFanout: @unchecked Sendable {
    let loop: any EventLoop
    /// The channel's subscribers on every loop. Held strongly: the feed holds this fan-out only while it
    /// has members (`ChannelFeed.subscriptionEnded` drops it with the last one), which ends the cycle.
    let feed: ChannelFeed
    /// `feed.name`, here so a delivery does not load the feed.
    let channelName: String
    private var members: ContiguousArray<Member> = []

    /// What a delivery needs from a subscription, stored in the array itself: walking 5,000 subscribers per
    /// event is dominated by cache misses, and reading `startAfter` and the subscriber from here (a
    /// sequential, prefetched walk) leaves the subscriber's own object as the only miss per stream.
    private struct Member {
        /// `departed` once the subscriber left during a walk.
        var startAfter: UInt64
        /// Held strongly: a weak reference would give every stream a side table and put all its retains
        /// and releases on the slow path (seen at ~10% of fan-out CPU). The cycle with the subscriber (which
        /// holds its subscription) ends when the subscription is cancelled, which every stream does when it
        /// ends.
        let subscriber: any HubSubscriber
        /// For removal (its slot moves).
        let subscription: HubSubscription
    }

    private struct Pending: ~Copyable {
        var events: [EncodedEvent] = []
        var scheduled = false
    }

    private let pending = Mutex(Pending())
    private let statistics: HubStatistics?

    /// The start position of a member that left during a walk: no event is above it, so the walk passes
    /// the slot by with the check it makes anyway, and nothing moves under it.
    ///
    /// Why not swap at once: a delivery can end subscribers other than the one receiving (the loop's flush
    /// batcher writes a connection early during the walk, and a write that meets a reset socket closes the
    /// channel there and then, ending its streams). Swapping the last subscriber into a slot the walk had
    /// passed cost it the batch: an event lost with no gap, seen once in the scale-out resume test.
    private static let departed = UInt64.max
    /// Delivery walks in progress on this fan-out (nested only if a subscriber's `receive` delivered again).
    private var walks = 0
    /// Members marked `departed` and not yet taken out (only while a walk runs).
    private var departedCount = 0

    init(loop: any EventLoop, feed: ChannelFeed, statistics: HubStatistics? = nil) {
        self.loop = loop
        self.feed = feed
        self.channelName = feed.name
        self.statistics = statistics
    }

    var count: Int {
        loop.preconditionInEventLoop()
        return members.count - departedCount
    }

    /// Subscribers here whose session is one of `sessions` (for a publish's answer; see `ChannelFeed.reach`).
    func count(sessions: Set<String>) -> Int {
        loop.preconditionInEventLoop()
        var reached = 0
        for member in members where member.startAfter != Self.departed && member.subscriber.session.map(sessions.contains) ?? false {
            reached += 1
        }
        return reached
    }

    func add(_ subscription: HubSubscription, subscriber: any HubSubscriber, startAfter: UInt64) {
        loop.preconditionInEventLoop()
        subscription.slot = members.count
        members.append(Member(startAfter: startAfter, subscriber: subscriber, subscription: subscription))
    }

    /// The start position `subscription` was added with; nil once it was removed.
    func startAfter(of subscription: HubSubscription) -> UInt64? {
        loop.preconditionInEventLoop()
        let slot = subscription.slot
        guard slot >= 0, slot < members.count, members[slot].subscription === subscription else { return nil }
        return members[slot].startAfter
    }

    func remove(_ subscription: HubSubscription) {
        loop.preconditionInEventLoop()
        let slot = subscription.slot
        guard slot >= 0, slot < members.count, members[slot].subscription === subscription else { return }
        subscription.slot = -1
        guard walks == 0 else {
            members[slot].startAfter = Self.departed
            departedCount += 1
            return
        }
        let last = members.removeLast()
        if slot < members.count {
            members[slot] = last
            last.subscription.slot = slot
        }
    }

    /// Takes out the members that left during the walk that just ended, keeping the others' order (the
    /// streams of one connection stay together for the flush batcher).
    private func removeDeparted() {
        var kept = 0
        for index in members.indices where members[index].startAfter != Self.departed {
            if kept != index {
                members[kept] = members[index]
                members[kept].subscription.slot = kept
            }
            kept += 1
        }
        members.removeLast(members.count - kept)
        departedCount = 0
    }

    /// Tells each subscriber its channel closed; they cancel themselves, so walk a copy.
    func closeAll() {
        loop.preconditionInEventLoop()
        for member in Array(members) {
            member.subscriber.channelClosed(channelName)
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
        // Every stream retains and releases the event's buffer. With one buffer shared by all loops those
        // atomic counts bounce one cache line between the cores (`swift_retain_n` was ~6% of the
        // fan-out profile), so a loop with many subscribers takes its own copy: one memcpy per loop.
        let offered = members.count
        deliver(offered >= Self.ownCopyThreshold ? events.map { $0.withOwnBytes() } : events)
        countBatch(events, offered: offered)
    }

    /// Metrics for the whole batch at once: one atomic add (events × subscribers), and, when latency is
    /// measured, one loop task queued behind the flush the deliveries asked for (the loop's
    /// `FlushBatcher` queued its task during `deliver`, and tasks run in order), so the time it reports
    /// runs from the publish to the socket write.
    private func countBatch(_ events: [EncodedEvent], offered: Int) {
        guard let statistics, offered > 0, let oldest = events.first else { return }
        statistics.countDelivered(events.count * offered)
        guard let observe = statistics.writeLatencyObserver else { return }
        loop.execute {
            let elapsed = NIODeadline.now() - oldest.publishedAt
            observe(.nanoseconds(elapsed.nanoseconds))
        }
    }

    /// How many subscribers ahead of the one being delivered to the walk asks for the next object.
    ///
    /// Why: each subscriber's object was the walk's one certain cache miss (a 5,000-stream fan-out is ~1.5 MB
    /// of per-stream state per loop, evicted between publishes), and the CPU stalled on it: 75% of
    /// `deliver`'s own samples sat on the first load from the object (BENCHMARKS.md, "Prefetching what the
    /// next deliveries touch"). A delivery takes about a microsecond, ten times a memory load, so the object
    /// two ahead is in the cache by the time the walk asks the one ahead to `prepareForDelivery` (which reads
    /// it to find the stream's own state further down: its queue, nghttp2's stream), and that in turn is in
    /// the cache when its delivery comes. The array's next entries, read here for the address, come in with
    /// the hardware's own sequential prefetch.
    static let prefetchDistance = 2

    /// Starts loading the first two cache lines of the subscriber at `slot`, if there is one. Reads the
    /// address without a retain: touching the reference count would be the very miss this avoids.
    @inline(__always)
    private func prefetchSubscriber(at slot: Int) {
        guard slot < members.count else { return }
        let address = Int(bitPattern: ObjectIdentifier(members[slot].subscriber))
        CGatewayPrefetch_twoLines(UnsafeRawPointer(bitPattern: address))
    }

    /// Subscribers on this loop from which an own copy of each event's bytes pays for itself.
    static let ownCopyThreshold = 32

    /// Hands each event to every subscriber whose start position is before it.
    ///
    /// Subscriber by subscriber, each taking the whole batch in order, rather than event by event: a
    /// connection's streams then get all of a batch together, so the loop's `FlushBatcher` can write that
    /// connection early once and be done with it (event by event, every connection would get bytes again
    /// with each event of the batch and be written twice), and the walk over the subscribers (a cache miss
    /// each) happens once per batch instead of once per event.
    func deliver(_ events: [EncodedEvent]) {
        loop.preconditionInEventLoop()
        // A batch of broadcasts (no targets) never asks a subscriber for its session: a call through the
        // protocol and, for a long id, a reference count per stream per event.
        let broadcasts = events.allSatisfy { $0.targets == nil }
        // Subscribers that leave meanwhile (the one receiving, a slow consumer, or others whose connection
        // a flush closed) keep their slots as `departed` until the walk ends, so every slot is visited once.
        // Index loop rather than iteration: `receive` may append (a subscriber registered by it), and the
        // start position is read again per event (one that left mid-batch gets no more of it).
        walks += 1
        defer {
            walks -= 1
            if walks == 0, departedCount > 0 { removeDeparted() }
        }
        var index = 0
        while index < members.count {
            prefetchSubscriber(at: index + Self.prefetchDistance)
            if index + 1 < members.count { members[index + 1].subscriber.prepareForDelivery() }
            for event in events where event.cursor.sequence > members[index].startAfter {
                if broadcasts || event.isFor(session: members[index].subscriber.session) {
                    members[index].subscriber.receive(event, channel: channelName)
                }
            }
            index += 1
        }
    }
}
