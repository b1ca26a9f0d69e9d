import DequeModule
import GatewaySSE
import NIOCore
import Synchronization

/// One channel of the memory engine: its epoch and sequence counter, its history ring, and its feed (this
/// node's subscribers).
///
/// The lock is held only for bookkeeping (assigning sequence numbers, appending history, handing events to
/// the feed); delivery runs on each subscriber's own loop. Handing events to the feed while holding the
/// lock keeps every loop's queue in sequence order, and registering a subscriber under the same lock as the
/// history snapshot gives it an exact hand-over: everything at or below `startAfter` comes from the replay,
/// everything above it live — no gap, no duplicate, however publishes race with the subscribe. Lock order
/// is always this channel, then its feed.
final class MemoryChannel: Sendable {
    let name: String
    /// Fixed at creation (see `MemoryEngine.channel(named:)`): epochs only need to differ between lives of the same
    /// channel name; channels made together may share one.
    let epoch: UInt64
    let limits: HistoryLimits

    private struct State: ~Copyable {
        var lastSequence: UInt64 = 0
        var history = Deque<EncodedEvent>()
        var historyBytes = 0
        /// The highest sequence no longer in history (evicted or never kept): a client that has seen less
        /// than this has missed something for good.
        var evictedThrough: UInt64 = 0
        /// Set when the hub drops this channel; users that raced with the drop look it up again.
        var retired = false
    }

    private let state = Mutex(State())
    private let statistics: HubStatistics
    /// This node's subscribers.
    let feed: ChannelFeed

    init(name: String, epoch: UInt64, limits: HistoryLimits, statistics: HubStatistics) {
        self.name = name
        self.feed = ChannelFeed(name: name, statistics: statistics)
        self.epoch = epoch
        self.limits = limits
        self.statistics = statistics
    }

    /// Assigns sequence numbers, appends to history, and hands the events to every loop with subscribers.
    /// Nil if the channel was retired meanwhile (the caller retries on a fresh channel). `subscribers` is
    /// the channel's streams on this node, whom the events were handed to (with `targets`, only their
    /// sessions' streams take them: `ChannelFeed.reach` counts those).
    func publish(_ events: [ServerSentEvent], targets: Set<String>?, budget: Int, now: NIODeadline) -> (cursors: [EventCursor], subscribers: Int)? {
        state.withLock { state -> (cursors: [EventCursor], subscribers: Int)? in
            guard !state.retired else { return nil }
            var encoded: [EncodedEvent] = []
            encoded.reserveCapacity(events.count)
            for event in events {
                state.lastSequence += 1
                let cursor = EventCursor(epoch: epoch, sequence: state.lastSequence)
                let item = EncodedEvent(event: event, cursor: cursor, publishedAt: now, targets: targets)
                encoded.append(item)
                if limits.count > 0 {
                    state.history.append(item)
                    state.historyBytes += item.byteCount
                    statistics.historyGrew(by: item.byteCount)
                } else {
                    state.evictedThrough = state.lastSequence
                }
            }
            statistics.countPublished(events.count)
            trim(&state, now: now)
            // Over the process-wide budget: this channel gives back its oldest events first.
            while statistics.historyBytes > budget, !state.history.isEmpty {
                evictOldest(&state, reason: .budget)
            }
            let reached = feed.deliver(encoded)
            return (encoded.map(\.cursor), reached)
        }
    }

    /// Registers a subscriber on the calling loop starting at `start`. Nil if the channel was retired.
    func subscribe(_ subscriber: any HubSubscriber, on loop: any EventLoop, from start: StartPosition, now: NIODeadline) -> SubscribeResult? {
        loop.preconditionInEventLoop()
        let registered: (HubSubscription, Plan)? = state.withLock { state in
            guard !state.retired else { return nil }
            trim(&state, now: now)
            let plan = self.plan(start, &state)
            return (feed.register(subscriber, on: loop, startAfter: state.lastSequence), plan)
        }
        guard let (subscription, plan) = registered else { return nil }
        if plan.gap != nil { statistics.countGap() }
        return SubscribeResult(
            subscription: subscription,
            replay: plan.replay.filter { $0.isFor(session: subscriber.session) },
            gap: plan.gap,
            position: plan.position
        )
    }

    private struct Plan {
        var replay: [EncodedEvent] = []
        var gap: HistoryGap?
        var position: EventCursor
    }

    /// Decides replay and gap for a start position against the current history (under the lock).
    private func plan(_ start: StartPosition, _ state: inout State) -> Plan {
        let current = EventCursor(epoch: epoch, sequence: state.lastSequence)
        let oldestKept = EventCursor(epoch: epoch, sequence: state.evictedThrough)
        switch start {
        case .live:
            return Plan(position: current)
        case .earliest:
            return Plan(replay: Array(state.history), position: oldestKept)
        case .last(let count):
            let replay = Array(state.history.suffix(count))
            let before = replay.first.map { $0.cursor.sequence - 1 } ?? state.lastSequence
            return Plan(replay: replay, position: EventCursor(epoch: epoch, sequence: before))
        case .malformed:
            return Plan(gap: HistoryGap(channel: name, reason: .malformed), position: current)
        case .after(let cursor):
            guard cursor.epoch == epoch else {
                // Another life of the channel: all of this life's history is new to the client.
                return Plan(replay: Array(state.history), gap: HistoryGap(channel: name, reason: .epochChanged), position: oldestKept)
            }
            guard cursor.sequence <= state.lastSequence else {
                return Plan(gap: HistoryGap(channel: name, reason: .unknownPosition), position: current)
            }
            guard cursor.sequence >= state.evictedThrough else {
                let missed = EventCursor(epoch: epoch, sequence: cursor.sequence + 1)...oldestKept
                return Plan(replay: Array(state.history), gap: HistoryGap(channel: name, reason: .evicted, missed: missed), position: oldestKept)
            }
            // History is in sequence order: skip what the client has.
            let firstNew = state.history.firstIndex { $0.cursor.sequence > cursor.sequence } ?? state.history.endIndex
            return Plan(replay: Array(state.history[firstNew...]), position: cursor)
        }
    }

    /// Tells every subscriber the channel closed. Under the lock, like `publish`, so each loop sees the
    /// close after the events published before it.
    func close() {
        state.withLock { _ in feed.close() }
    }

    var historyCount: Int { state.withLock { $0.history.count } }

    /// What the admin API shows of the channel, read under the lock so the numbers agree with each other.
    var summary: ChannelSummary {
        state.withLock { state in
            ChannelSummary(
                name: name, subscribers: feed.subscriberCount, historyCount: state.history.count, historyBytes: state.historyBytes,
                firstID: state.history.first?.cursor, lastID: state.lastSequence > 0 ? EventCursor(epoch: epoch, sequence: state.lastSequence) : nil)
        }
    }

    /// Drops expired history; retires the channel (returns true) when it has neither history nor subscribers.
    func sweep(now: NIODeadline) -> Bool {
        state.withLock { state in
            trim(&state, now: now)
            guard state.history.isEmpty, feed.subscriberCount == 0 else { return false }
            state.retired = true
            return true
        }
    }

    /// Applies the channel's count, bytes and TTL bounds.
    private func trim(_ state: inout State, now: NIODeadline) {
        let oldest = now - TimeAmount(limits.ttl)
        while let first = state.history.first {
            let reason: HubStatistics.EvictionReason
            if state.history.count > limits.count {
                reason = .count
            } else if state.historyBytes > limits.bytes {
                reason = .bytes
            } else if first.publishedAt < oldest {
                reason = .ttl
            } else {
                return
            }
            evictOldest(&state, reason: reason)
        }
    }

    private func evictOldest(_ state: inout State, reason: HubStatistics.EvictionReason) {
        let first = state.history.removeFirst()
        state.historyBytes -= first.byteCount
        state.evictedThrough = first.cursor.sequence
        statistics.historyShrank(by: first.byteCount, reason: reason)
    }

    /// Releases the history bytes from the global account when the channel is dropped.
    deinit {
        let (bytes, events) = state.withLock { ($0.historyBytes, $0.history.count) }
        if bytes > 0 || events > 0 { statistics.historyShrank(by: bytes, events: events, reason: nil) }
    }
}
